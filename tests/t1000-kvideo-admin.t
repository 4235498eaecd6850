#!/bin/sh
# kvideo create, describe, list, delete, update-retention: the AWS CLI's
# JSON (StreamARN, StreamInfo, StreamInfoList), the on-disk layout of
# kin-video(5), versions, and every error with its message and status.
. "$(dirname "$0")/lib.sh"

test_expect_success 'create prints the StreamARN and lays out ROOT/video/NAME' '
	kvideo create -s cam --data-retention-in-hours 24 --media-type video/h264 \
		--device-name door >out &&
	arn=$(jq -r .StreamARN out) &&
	case "$arn" in arn:aws:kinesisvideo:local:000000000000:stream/cam/[0-9]*) ;; *) false ;; esac &&
	test "$(jq -r "keys|join(\",\")" out)" = StreamARN &&
	test -d "$KIN_DIR/video/cam/fragments" && test -f "$KIN_DIR/video/cam/index" &&
	test ! -s "$KIN_DIR/video/cam/index" &&
	jq -e ".StreamName == \"cam\" and .DataRetentionInHours == 24" "$KIN_DIR/video/cam/meta"
'

test_expect_success 'describe: StreamInfo with the AWS field names, in the AWS CLI order' '
	kvideo describe -s cam >out &&
	jq -r ".StreamInfo|keys_unsorted|join(\",\")" out >got &&
	echo DeviceName,StreamName,StreamARN,MediaType,Version,Status,CreationTime,DataRetentionInHours >want &&
	test_cmp want got &&
	jq -e ".StreamInfo | .StreamName == \"cam\" and .DeviceName == \"door\" and
		.MediaType == \"video/h264\" and .Status == \"ACTIVE\" and
		.DataRetentionInHours == 24 and (.Version|test(\"^[A-Za-z0-9]{20}$\")) and
		(.CreationTime|test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\\\.[0-9]{6}\\\\+00:00$\"))" out &&
	head -n 2 out >got && printf "{\n    \"StreamInfo\": {\n" >want && test_cmp want got
'

test_expect_success 'create with retention 0 (the default) and list both, sorted' '
	kvideo create -s a0 >/dev/null &&
	kvideo list >out &&
	jq -r ".StreamInfoList[]|\"\(.StreamName) \(.DataRetentionInHours)\"" out >got &&
	printf "a0 0\ncam 24\n" >want && test_cmp want got
'

test_expect_success 'data streams and video streams do not mix' '
	kshard create data >/dev/null 2>&1; kvideo list >out &&
	test "$(jq ".StreamInfoList|length" out)" = 2
'

test_expect_success 'update-retention: INCREASE and DECREASE change the hours and the version' '
	v1=$(kvideo describe -s cam | jq -r .StreamInfo.Version) &&
	kvideo update-retention -s cam --operation INCREASE_DATA_RETENTION \
		--data-retention-change-in-hours 6 --current-version "$v1" >out &&
	test ! -s out &&
	kvideo describe -s cam >d && test "$(jq .StreamInfo.DataRetentionInHours d)" = 30 &&
	v2=$(jq -r .StreamInfo.Version d) && test "$v1" != "$v2" &&
	kvideo update-retention -s cam --operation DECREASE_DATA_RETENTION \
		--data-retention-change-in-hours 10 &&
	test "$(kvideo describe -s cam | jq .StreamInfo.DataRetentionInHours)" = 20 &&
	kvideo update-retention -s cam --data-retention-in-hours 2 &&
	test "$(kvideo describe -s cam | jq .StreamInfo.DataRetentionInHours)" = 2
'

test_expect_success 'update-retention errors' '
	fails_with 1 "kvideo: video stream '"'"'cam'"'"': version '"'"'nope'"'"' is not the current version (VersionMismatchException)" \
		kvideo update-retention -s cam --data-retention-in-hours 3 --current-version nope &&
	fails_with 64 "kvideo: video stream '"'"'cam'"'"': cannot decrease retention of 2 hours by 5 (InvalidArgumentException)" \
		kvideo update-retention -s cam --operation DECREASE_DATA_RETENTION --data-retention-change-in-hours 5 &&
	fails_with 64 "kvideo: video stream '"'"'cam'"'"': retention 87601 hours is above 87600 (InvalidArgumentException)" \
		kvideo update-retention -s cam --operation INCREASE_DATA_RETENTION --data-retention-change-in-hours 87599 &&
	test_must_fail --status=64 kvideo update-retention -s cam --operation INCREASE_DATA_RETENTION 2>err &&
	grep "^kvideo: update-retention: --operation needs --data-retention-change-in-hours" err &&
	test_must_fail --status=64 kvideo update-retention -s cam --operation GROW \
		--data-retention-change-in-hours 1 2>err &&
	grep "^kvideo: --operation: '"'"'GROW'"'"' is not INCREASE_DATA_RETENTION or DECREASE_DATA_RETENTION$" err &&
	fails_with 66 "kvideo: video stream '"'"'nope'"'"': no such stream" \
		kvideo update-retention -s nope --data-retention-in-hours 1
'

test_expect_success 'create errors: exists, bad name, bad retention, long device name' '
	fails_with 1 "kvideo: video stream '"'"'cam'"'"': already exists (ResourceInUseException)" \
		kvideo create -s cam &&
	test_must_fail --status=64 kvideo create -s ../x 2>err &&
	grep "^kvideo: video stream" err && test ! -e "$KIN_DIR/x" &&
	test_must_fail --status=64 kvideo create -s r --data-retention-in-hours 87601 2>err &&
	grep "^kvideo: invalid --data-retention-in-hours '"'"'87601'"'"': expected an integer from 0 to 87600$" err &&
	fails_with 64 "kvideo: --device-name: longer than 128 bytes" \
		kvideo create -s d --device-name "$(printf %0129d 0)" &&
	test_must_fail --status=64 kvideo create 2>err &&
	grep "^kvideo: no stream given (-s STREAM)$" err &&
	test_must_fail --status=64 kvideo describe -s cam --media-type x 2>err &&
	grep "^kvideo: describe: option --media-type does not apply$" err
'

test_expect_success 'describe and delete of a missing stream: 66' '
	fails_with 66 "kvideo: video stream '"'"'nope'"'"': no such stream" kvideo describe -s nope &&
	fails_with 66 "kvideo: video stream '"'"'nope'"'"': no such stream" kvideo delete -s nope
'

test_expect_success 'delete removes the stream; a wrong --current-version does not' '
	fails_with 1 "kvideo: video stream '"'"'a0'"'"': version '"'"'x'"'"' is not the current version (VersionMismatchException)" \
		kvideo delete -s a0 --current-version x &&
	kvideo delete -s a0 >out && test ! -s out && test ! -e "$KIN_DIR/video/a0" &&
	kvideo list | jq -r ".StreamInfoList[].StreamName" >got &&
	echo cam >want && test_cmp want got
'

test_expect_success 'the AWS CLI command names are accepted too' '
	kvideo create-stream --stream-name aws >/dev/null &&
	kvideo describe-stream --stream-name aws | jq -e ".StreamInfo.StreamName == \"aws\"" &&
	kvideo list-streams | jq -e "[.StreamInfoList[].StreamName] == [\"aws\", \"cam\"]" &&
	kvideo delete-stream --stream-name aws
'

test_expect_success 'unknown subcommand, no subcommand, -h, --version' '
	test_must_fail --status=64 kvideo frobnicate 2>err &&
	grep "^kvideo: unknown subcommand '"'"'frobnicate'"'"'$" err &&
	test_must_fail --status=64 kvideo 2>err && grep "^kvideo: no subcommand given$" err &&
	kvideo -h | grep "^usage: kvideo SUBCOMMAND" &&
	kvideo create -h | grep "^usage: kvideo create" &&
	kvideo --version | grep "^kvideo (kin) "
'

test_done
