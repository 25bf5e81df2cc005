"""Run a module (the reference player) with the names under one domain answered by one address,
as the province's DNS wildcard answers them in production; nothing else changes (TLS is still
checked against the name). tests/deploy/stack.py builds the command line:

    python tests/deploy/with_hosts.py --domain tincoso.test --address 127.0.0.1 -- -m player …
"""

import argparse
import runpy
import socket
import sys
from pathlib import Path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domain")
    parser.add_argument("--address")
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    if rest[:1] != ["-m"] or len(rest) < 2:
        parser.error("give the module as: -- -m MODULE ARGS…")
    if args.domain and args.address:
        real = socket.getaddrinfo

        def getaddrinfo(host, *more, **options):
            if isinstance(host, str) and (host == args.domain or host.endswith("." + args.domain)):
                host = args.address
            return real(host, *more, **options)

        socket.getaddrinfo = getaddrinfo
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout's player/
    sys.argv = [rest[1], *rest[2:]]
    runpy.run_module(rest[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
