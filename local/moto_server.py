"""moto's standalone server, with three emulator-only fixes (see local/moto.ts).

moto's DynamoDB TransactWriteItems deep-copies the whole table once per item in the
transaction, to roll back on failure: O(items x table size), 25 s for one 98-item transaction
on a 10,000-item table. This copies each table once per transaction instead: the same
all-or-nothing semantics, without the quadratic cost.

moto's server answers on many threads, but its DynamoDB tables are plain dicts: a transaction
copying a table while another request writes to it fails with RuntimeError ("dictionary changed
size during iteration"), which DynamoDB never does. One lock around the DynamoDB backend's
operations makes each request atomic, as DynamoDB's are.

moto's SQS SendMessage, and ReceiveMessage for each message, compute every queue attribute to
read one, approximate counts included, each a pass over the whole queue: O(queue size) per
message sent, O(queue size squared) per receive, which makes a sandbox flood of a few thousand
events crawl. These read the one attribute they need.
Nothing else changes.
"""
import functools
import inspect
import sys
import textwrap
import threading

from moto.dynamodb import models
from moto.server import main
from moto.sqs import models as sqs_models


def _rewrite(module, cls, method, slow, fast, what):
    """Recompiles one method with one line changed, in its own module's namespace."""
    source = textwrap.dedent(inspect.getsource(getattr(cls, method)))
    if slow not in source:  # a moto that fixed it, or changed it: run it as it is
        print(f"moto_server.py: {what} patch not applied", file=sys.stderr)
        return
    namespace = dict(vars(module))
    exec(compile(source.replace(slow, fast), module.__file__, "exec"), namespace)
    setattr(cls, method, namespace[method])


_rewrite(
    models,
    models.DynamoDBBackend,
    "transact_write_items",
    "if table_name and table_name in self.tables:",
    "if table_name and table_name in self.tables and table_name not in original_table_state:",
    "transact_write_items",
)
_rewrite(
    sqs_models,
    sqs_models.SQSBackend,
    "send_message",
    'if queue.attributes.get("ContentBasedDeduplication") == "true":',
    'if str(getattr(queue, "content_based_deduplication", "false")).lower() == "true":',
    "SQS send_message",
)

_lock = threading.RLock()


def _serialised(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _lock:
            return fn(*args, **kwargs)

    return wrapper


for _name, _fn in list(vars(models.DynamoDBBackend).items()):
    if callable(_fn) and not _name.startswith("_"):
        setattr(models.DynamoDBBackend, _name, _serialised(_fn))



def _retained(self, queue_name, message):
    retention = int(self.get_queue(queue_name).message_retention_period)
    return retention + message.sent_timestamp / 1000 > sqs_models.unix_time()


if "get_queue_attributes" in inspect.getsource(sqs_models.SQSBackend.is_message_valid_based_on_retention_period):
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _retained
else:  # a moto that changed it: run it as it is
    print("moto_server.py: SQS retention patch not applied", file=sys.stderr)

if __name__ == "__main__":
    sys.exit(main())
