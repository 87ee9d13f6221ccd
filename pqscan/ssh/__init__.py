"""The SSH transport engine (RFC 4253 up to the key exchange, RFC 4251 data types).

Like `pqscan.tls`, it knows no probe, report or click: it speaks one connection to the end of
the key exchange and returns what happened. `exchange.run_exchange` is the entry point.
"""
