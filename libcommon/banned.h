/* banned.h: functions kin never calls (after git's banned.h). Every .c file
 * includes it after its system headers; make check verifies that. */
#ifndef KC_BANNED_H
#define KC_BANNED_H

#define KC_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) KC_BANNED(strcpy)
#undef strcat
#define strcat(x, y) KC_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) KC_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) KC_BANNED(strncat)
#undef sprintf
#define sprintf(...) KC_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) KC_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) KC_BANNED(strtok)
#undef gets
#define gets(x) KC_BANNED(gets)
#undef asctime
#define asctime(x) KC_BANNED(asctime)
#undef ctime
#define ctime(x) KC_BANNED(ctime)

#endif
