"""The embedded local runtime: the whole stack in one process, for development and tests.

It is never deployed. It reads `template.yaml`, creates the resources on moto,
routes the state machine's Lambda calls to the handlers in process and answers
the HTTP API on 127.0.0.1.
"""
