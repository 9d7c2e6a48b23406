"""moto's standalone server, with one emulator-only speed fix (see local/moto.ts).

moto's DynamoDB TransactWriteItems deep-copies the whole table once per item in the
transaction, to roll back on failure: O(items x table size), 25 s for one 98-item transaction
on a 10,000-item table. This copies each table once per transaction instead: the same
all-or-nothing semantics, without the quadratic cost. Nothing else changes.
"""
import copy
import inspect
import sys
import textwrap

from moto.dynamodb import models
from moto.server import main

_source = textwrap.dedent(inspect.getsource(models.DynamoDBBackend.transact_write_items))
_slow = "if table_name and table_name in self.tables:"
_fast = "if table_name and table_name in self.tables and table_name not in original_table_state:"
if _slow in _source:
    _namespace = dict(vars(models))
    exec(compile(_source.replace(_slow, _fast), models.__file__, "exec"), _namespace)
    models.DynamoDBBackend.transact_write_items = _namespace["transact_write_items"]
else:  # a moto that fixed it, or changed it: run it as it is
    print("moto_server.py: transact_write_items patch not applied", file=sys.stderr)

if __name__ == "__main__":
    sys.exit(main())
