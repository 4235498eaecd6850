#!/usr/bin/env python3
"""receiver.py: a small HTTP server for kfirehose's tests (Python stdlib only).

It plays one of three destinations (--mode):
  http        Firehose's HTTP endpoint protocol: answers 200 with
              {"requestId": <the request's>, "timestamp": <ms>}
  opensearch  POST /_bulk: indexes into memory and answers per item
  splunk      HEC: /services/collector/raw, /services/collector/event and
              /services/collector/ack (indexer acknowledgement)

It binds 127.0.0.1 on a free port and writes the port to --port-file
(atomically). Every request is logged in --log DIR as
  NNNN.body      the body as received, gunzipped when Content-Encoding: gzip
  NNNN.raw       the body as sent on the wire (only when it was gzipped)
  NNNN.response  the status line and body of the answer
  NNNN.headers   "METHOD PATH VERSION" then every header line as received;
                 written last, so its presence means the others are complete
with NNNN counting from 0001. In opensearch mode DIR/store.json holds the
indexed documents as {"INDEX": {"ID": document, ...}, ...}.

Failures are injected by --fail-file CTL, read before each answer: the
first line is consumed by the request (ack polls in splunk mode consume
nothing); a line starting with "always " applies to every request and stays.
An empty or missing file means normal answers. Lines:
  NNN [BODY]          answer with status NNN (and BODY, else a plausible one)
  sleep SECONDS       wait, then answer normally (the client may be gone)
  close               close the connection without answering
  badjson             200 with a body that is not JSON
  wrong-request-id    200 with another requestId           (http)
  no-timestamp        200 without a timestamp              (http)
  big                 200 with a 2 MiB body
  bulk-partial S...   item i gets status S[i]; the rest succeed (opensearch)
  no-ack              this request's ackId is never acknowledged (splunk)
  no-ackid            200 without an ackId (splunk)

Splunk options: --token T (else any token is accepted), --no-acks (indexer
acknowledgement disabled: no ackId, the ack endpoint answers code 14),
--ack-polls N (an ackId turns true at its Nth poll, default 2).
TLS: --tls-cert FILE --tls-key FILE serve https.
"""

import argparse
import gzip
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

lock = threading.Lock()
state = {"n": 0, "store": {}, "next_ack": {}, "acks": {}, "auto_id": 0}
opts = None


def write_file(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def next_directive(consume):
    """The control line for this request ("" for a normal answer)."""
    if not opts.fail_file or not consume:
        return ""
    try:
        with open(opts.fail_file) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return ""
    if not lines:
        return ""
    first = lines[0].strip()
    if first.startswith("always "):
        return first[len("always "):].strip()
    write_file(opts.fail_file, "".join(line + "\n" for line in lines[1:]).encode())
    return first


def now_ms():
    return int(time.time() * 1000)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "receiver/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        write_file(self.logbase + ".response",
                   b"%d\n" % status + body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def do_GET(self):
        self.handle_request()

    def do_PUT(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        length = self.headers.get("Content-Length")
        raw = self.rfile.read(int(length)) if length else b""
        body = raw
        gzipped = (self.headers.get("Content-Encoding") or "").lower() == "gzip"
        if gzipped:
            try:
                body = gzip.decompress(raw)
            except OSError:
                body = b""
        path = urllib.parse.urlsplit(self.path).path
        consume = not (opts.mode == "splunk" and path.endswith("/ack"))
        with lock:
            state["n"] += 1
            n = state["n"]
            directive = next_directive(consume)
        self.logbase = os.path.join(opts.log, "%04d" % n)
        write_file(self.logbase + ".body", body)
        if gzipped:
            write_file(self.logbase + ".raw", raw)
        head = "%s %s %s\n" % (self.command, self.path, self.request_version)
        head += "".join("%s: %s\n" % (k, v) for k, v in self.headers.items())
        write_file(self.logbase + ".headers", head.encode())
        if gzipped and not body and raw:
            return self.send(400, {"error": "bad gzip body"})
        word = directive.split()
        if word and word[0] == "sleep":
            time.sleep(float(word[1]))
            directive, word = "", []
        if directive == "close":
            self.close_connection = True
            write_file(self.logbase + ".response", b"closed\n")
            return
        if directive == "big":
            return self.send(200, b"x" * (2 << 20), "text/plain")
        if directive == "badjson":
            return self.send(200, b"this is not json", "text/plain")
        if word and word[0].isdigit() and len(word[0]) == 3:
            status = int(word[0])
            text = directive[3:].strip()
            return self.send(status, text if text else self.error_body(status, body))
        if opts.mode == "http":
            return self.answer_http(body, directive)
        if opts.mode == "opensearch":
            return self.answer_opensearch(path, body, word)
        return self.answer_splunk(path, body, directive)

    def error_body(self, status, body):
        if opts.mode == "http":
            try:
                rid = json.loads(body)["requestId"]
            except (ValueError, KeyError, TypeError):
                rid = self.headers.get("X-Amz-Firehose-Request-Id", "")
            return {"requestId": rid, "timestamp": now_ms(),
                    "errorMessage": "injected %d" % status}
        if opts.mode == "opensearch":
            return {"error": {"type": "injected_exception",
                              "reason": "injected %d" % status},
                    "status": status}
        return {"text": "injected %d" % status, "code": 8}

    # ---- Firehose HTTP endpoint ----------------------------------------
    def answer_http(self, body, directive):
        try:
            req = json.loads(body)
            rid = req["requestId"]
        except (ValueError, KeyError, TypeError):
            return self.send(400, {"requestId": "", "timestamp": now_ms(),
                                   "errorMessage": "body is not a Firehose request"})
        if directive == "wrong-request-id":
            return self.send(200, {"requestId": "not-" + rid, "timestamp": now_ms()})
        if directive == "no-timestamp":
            return self.send(200, {"requestId": rid})
        return self.send(200, {"requestId": rid, "timestamp": now_ms()})

    # ---- OpenSearch _bulk -------------------------------------------------
    def answer_opensearch(self, path, body, word):
        if self.command != "POST" or path != "/_bulk":
            return self.send(404, {"error": "no handler for %s %s" % (self.command, path),
                                   "status": 404})
        if self.headers.get("Content-Type") != "application/x-ndjson":
            return self.send(406, {"error": "Content-Type header is not supported",
                                   "status": 406})
        partial = [int(s) for s in word[1:]] if word and word[0] == "bulk-partial" else []
        lines = body.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        else:
            return self.send(400, {"error": {"type": "illegal_argument_exception",
                                             "reason": "The bulk request must be "
                                                       "terminated by a newline [\\n]"},
                                   "status": 400})
        items, errors, i = [], False, 0
        with lock:
            while i < len(lines):
                try:
                    action = json.loads(lines[i])
                    (op, meta), = action.items()
                except (ValueError, AttributeError):
                    return self.send(400, {"error": {"type": "illegal_argument_exception",
                                                     "reason": "Malformed action line [%d]" % (i + 1)},
                                           "status": 400})
                doc = lines[i + 1] if i + 1 < len(lines) else b""
                i += 2
                index = meta.get("_index")
                doc_id = meta.get("_id")
                if doc_id is None:
                    state["auto_id"] += 1
                    doc_id = "auto%06d" % state["auto_id"]
                item = {"_index": index, "_id": doc_id}
                if "_type" in meta:
                    item["_type"] = meta["_type"]
                status = partial[len(items)] if len(items) < len(partial) else 201
                if status < 300:
                    try:
                        parsed = json.loads(doc)
                        if not isinstance(parsed, dict):
                            raise ValueError
                    except ValueError:
                        status = 400
                        item["error"] = {"type": "mapper_parsing_exception",
                                         "reason": "failed to parse"}
                    else:
                        docs = state["store"].setdefault(index, {})
                        item["result"] = "updated" if doc_id in docs else "created"
                        status = 200 if doc_id in docs else 201
                        docs[doc_id] = parsed
                        item["_version"] = 1
                elif status == 429:
                    item["error"] = {"type": "es_rejected_execution_exception",
                                     "reason": "rejected execution of coordinating operation"}
                elif status >= 500:
                    item["error"] = {"type": "internal_server_error",
                                     "reason": "injected %d" % status}
                else:
                    item["error"] = {"type": "mapper_parsing_exception",
                                     "reason": "failed to parse field [n] of type [long]"}
                item["status"] = status
                errors |= status >= 300
                items.append({op: item})
            write_file(os.path.join(opts.log, "store.json"),
                       json.dumps(state["store"], sort_keys=True).encode())
        return self.send(200, {"took": 1, "errors": errors, "items": items})

    # ---- Splunk HEC -------------------------------------------------------
    def answer_splunk(self, path, body, directive):
        auth = self.headers.get("Authorization")
        if opts.token is not None:
            if auth is None:
                return self.send(401, {"text": "Token is required", "code": 2})
            if not auth.startswith("Splunk "):
                return self.send(401, {"text": "Invalid authorization", "code": 3})
            if auth[len("Splunk "):] != opts.token:
                return self.send(403, {"text": "Invalid token", "code": 4})
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        channel = self.headers.get("X-Splunk-Request-Channel") or \
            (query.get("channel") or [None])[0]
        if path == "/services/collector/ack":
            return self.answer_ack(channel, body)
        if path not in ("/services/collector/raw", "/services/collector/event",
                        "/services/collector"):
            return self.send(404, {"text": "The requested URL was not found on this server.",
                                   "code": 404})
        if not opts.no_acks and not channel:
            return self.send(400, {"text": "Data channel is missing", "code": 10})
        if not body:
            return self.send(400, {"text": "No data", "code": 5})
        if not path.endswith("/raw"):
            text, k, count = body.decode("utf-8", "replace"), 0, 0
            decoder = json.JSONDecoder()
            while True:
                while k < len(text) and text[k].isspace():
                    k += 1
                if k == len(text):
                    break
                try:
                    event, k = decoder.raw_decode(text, k)
                except ValueError:
                    return self.send(400, {"text": "Invalid data format", "code": 6,
                                           "invalid-event-number": count})
                if not isinstance(event, dict) or "event" not in event:
                    return self.send(400, {"text": "Event field is required", "code": 12,
                                           "invalid-event-number": count})
                if event["event"] in (None, ""):
                    return self.send(400, {"text": "Event field cannot be blank",
                                           "code": 13, "invalid-event-number": count})
                count += 1
        if opts.no_acks or directive == "no-ackid":
            return self.send(200, {"text": "Success", "code": 0})
        with lock:
            ack = state["next_ack"].get(channel, 0)
            state["next_ack"][channel] = ack + 1
            state["acks"][(channel, ack)] = -1 if directive == "no-ack" else opts.ack_polls
        return self.send(200, {"text": "Success", "code": 0, "ackId": ack})

    def answer_ack(self, channel, body):
        if opts.no_acks:
            return self.send(400, {"text": "ACK is disabled", "code": 14})
        if not channel:
            return self.send(400, {"text": "Data channel is missing", "code": 10})
        try:
            ids = json.loads(body)["acks"]
            ids = [int(a) for a in ids]
        except (ValueError, KeyError, TypeError):
            return self.send(400, {"text": "Invalid data format", "code": 6})
        out = {}
        with lock:
            for a in ids:
                left = state["acks"].get((channel, a))
                if left is None or left < 0:
                    out[str(a)] = False
                    continue
                left -= 1
                state["acks"][(channel, a)] = left
                out[str(a)] = left <= 0
        return self.send(200, {"acks": out})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global opts
    p = argparse.ArgumentParser(description="kfirehose test receiver")
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--mode", required=True, choices=["http", "opensearch", "splunk"])
    p.add_argument("--fail-file")
    p.add_argument("--token")
    p.add_argument("--no-acks", action="store_true")
    p.add_argument("--ack-polls", type=int, default=2)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    opts = p.parse_args()
    os.makedirs(opts.log, exist_ok=True)
    server = Server(("127.0.0.1", 0), Handler)
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    write_file(opts.port_file, b"%d\n" % server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
