"""Run the queue, its dead-letter queue and the consumer on this machine (`make local`).

Development tooling only: it is not part of the package, the wheel or the Lambda zip.
moto stands in for AWS; the event-source emulator plays Lambda's SQS event source
mapping and calls the real handler in this process.
"""
