"""moto's standalone server, with emulator-only fixes (see local/moto.ts).

moto's DynamoDB TransactWriteItems deep-copies the whole table once per item in the
transaction, to roll back on failure: O(items x table size), 25 s for one 98-item transaction
on a 10,000-item table, and most of the emulator's CPU in the test suite. This copies only the
items the transaction names, and puts them back if it fails: the same all-or-nothing semantics,
at the cost of the transaction's own items.

moto's server answers on many threads, but its DynamoDB tables are plain dicts: a transaction
copying a table while another request writes to it fails with RuntimeError ("dictionary changed
size during iteration"), which DynamoDB never does. One lock around the DynamoDB backend's
operations makes each request atomic, as DynamoDB's are.

moto's SQS SendMessage, and ReceiveMessage for each message, compute every queue attribute to
read one, approximate counts included, each a pass over the whole queue: O(queue size) per
message sent, O(queue size squared) per receive, which makes a sandbox flood of a few thousand
events crawl. These read the one attribute they need.

DynamoDB's expression limits, which moto does not enforce, so that a request AWS refuses fails
here too, as a ValidationException (HTTP 400), and before anything is read or written. From
"Service, account, and table quotas in Amazon DynamoDB", Expression parameters
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-expression-parameters):

    "The maximum length of any expression string is 4 KB. For example, the size of the
    ConditionExpression a=b is 3 bytes."
    "The maximum length of any single expression attribute name or expression attribute value
    is 255 bytes. For example, #name is 5 bytes; :val is 4 bytes."
    "The maximum length of all substitution variables in an expression is 2 MB. This is the sum
    of the lengths of all ExpressionAttributeNames and ExpressionAttributeValues."
    "The maximum number of operators or functions allowed in an UpdateExpression is 300. For
    example, the UpdateExpression SET a = :val1 + :val2 + :val3 contains two "+" operators."
    "The maximum number of operands for the IN comparator is 100."

What is checked, per UpdateItem, PutItem, DeleteItem, GetItem, Query, Scan, each table of
BatchGetItem, each Get of TransactGetItems and each action of TransactWriteItems (where one bad
action fails the whole request with ValidationException, as DynamoDB validates the request
before it runs the transaction; not a TransactionCanceledException):
  - each of UpdateExpression, ConditionExpression, ProjectionExpression, FilterExpression and
    KeyConditionExpression: at most 4096 UTF-8 bytes, as sent (whitespace counts);
  - each key of ExpressionAttributeNames and ExpressionAttributeValues (the #name, :val
    placeholder, its # or : included): at most 255 UTF-8 bytes;
  - the substitutions: names and values keys in UTF-8 bytes, plus each name's UTF-8 bytes, plus
    each value's size as DynamoDB sizes an attribute value for the 400 KB item limit (below):
    at most 2 MB (2,097,152 bytes). DynamoDB does not publish how it measures this; the item
    size rules are its own measure of a value, and the wire JSON would overcount binaries;
  - operators, at most 300 per expression. The page states the limit for UpdateExpression and
    counts "+": an UpdateExpression counts each arithmetic + and -, and each function call
    (if_not_exists, list_append); SET's "=", commas, paths and the SET/REMOVE/ADD/DELETE
    keywords do not count (the page's example counts only the two "+"; DynamoDB itself takes one
    + or - per SET action, so the example is refused as a syntax error, which moto does not
    enforce, and the limit is reached with if_not_exists(x, :z) + :o). DynamoDB applies the
    same limit to conditions: ScyllaDB's test suite, run against DynamoDB, quotes "Invalid
    ConditionExpression: The expression contains too many operators; operator count: 301" for
    a chain of "<" and "or" (test/alternator/test_limits.py). A ConditionExpression,
    FilterExpression or KeyConditionExpression counts each comparator (= <> < <= > >=), each
    AND, OR, NOT, BETWEEN (its own AND included) and IN (one, whatever its operands), and each
    function call. DynamoDB stops counting at the first operator over the limit, so the message
    always says 301. 300 if_not_exists calls cannot fit in 4 KB ("if_not_exists(" alone is 14
    bytes): such an UpdateExpression fails on its size first;
  - IN: at most 100 operands.
Messages, as DynamoDB words them:
  "Invalid <Expression>: Expression size has exceeded the maximum allowed size; expression
  size: <bytes>" (DynamoDB's own, quoted in ScyllaDB's test_limits.py);
  "Invalid <Expression>: The expression contains too many operators; operator count: 301"
  (idem);
  "Invalid <Expression>: The IN operator is provided with too many operands; number of
  operands: <n>", "ExpressionAttributeNames contains invalid key: The expression attribute map
  contains a key that is too long; size of key: <bytes>", "ExpressionAttributeValues contains
  invalid key: The expression attribute map contains a key that is too long;" and "Combined
  size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size": the texts
  of DynamoDB Local's validation errors (DbValidationError, ErrorFactory), assembled as
  emulators checked against DynamoDB assemble them; not verified against AWS itself.

The 400 KB item limit ("The maximum item size in DynamoDB is 400 KB, which includes both
attribute name binary length (UTF-8 length) and attribute value lengths", same page, Items).
moto checks it on each attribute it sets at the top level of an item, with its own sizes, at
405,000 bytes: a PutItem between 405,000 and 409,600 bytes fails that DynamoDB accepts, an
UpdateItem that rewrites a large attribute counts it twice (list_append to a 200 KB list fails),
and an UpdateItem that grows a map or list in place (SET m.k = :big) is never checked (a 500 KB
item was stored). This replaces that check with DynamoDB's: the whole item, after the write,
at most 409,600 bytes, sized as "DynamoDB item sizes and formats" (CapacityUnitCalculations.html)
sizes items: names and strings in UTF-8 bytes, binaries in raw bytes, a number 1 byte per 2
significant digits plus 1 (leading and trailing zeroes trimmed), a boolean or null 1, a list or
map 3 plus 1 per element plus its elements (and keys), a set its elements. PutItem (and each Put
of a batch or transaction) is checked before it runs: "Item size has exceeded the maximum allowed
size", ValidationException. UpdateItem is checked after the update, which is then undone: "Item
size to update has exceeded the maximum allowed size", ValidationException; within
TransactWriteItems, DynamoDB cancels the transaction instead (TransactionCanceledException, the
action's reason Code "ValidationError", per the API reference's cancellation reasons). (A table
with a stream keeps the record of an item a rejected update had just created; nothing here uses
streams.)

moto parses an UpdateExpression's actions (and operators) into nested nodes, which it walks and
deep-copies recursively, several Python calls per action: ~170 SET actions or ~250 REMOVE paths,
well within 4 KB, exceed Python's default recursion limit of 1,000 and moto answers HTTP 500
where DynamoDB accepts (4 KB of "REMOVE a,b,..." needs ~4,500). This raises the limit to 20,000
and gives the request threads a 64 MB stack (address space, not memory) to recurse into.

Transactions: moto refuses TransactGetItems of more than 25 items; DynamoDB has allowed 100
since 2022 (the page, DynamoDB transactions: "A transaction cannot contain more than 100 unique
items"), as moto's TransactWriteItems does. Not enforced: the 4 MB transaction size.

Account Management's ListRegions, which moto does not have (its account service answers 404).
The audit compares the regions enabled in the account with the regions it forwards. moto models
no region opt-in state, so this answers from a per-account table that starts empty and that
tests fill through moto's own "static results" convention (as for Athena or Cost Explorer
results): POST /moto-api/static/account/regions with {"account_id": "...", "regions":
[{"RegionName": "eu-west-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"}, ...]} replaces that
account's table. An account nobody declared lists no regions (AWS always lists at least its
default regions). As the API reference describes ListRegions
(https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html, and botocore's
model of it): RegionOptStatusContains filters by ENABLED, ENABLING, DISABLING, DISABLED or
ENABLED_BY_DEFAULT; MaxResults is 1 to 50; NextToken resumes; AccountId names another account
(its organization is not checked here). A bad filter value, MaxResults or NextToken is a
ValidationException (HTTP 400). AWS does not document the page size when MaxResults is unset:
20 here.

Organization trails seen from member accounts, which moto does not model (a trail is only ever
seen by the account that created it). From "Creating a trail for an organization"
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html):

    "When you create an organization trail, a trail with the name that you give it is created
    in every AWS account that belongs to your organization. Users with CloudTrail permissions
    in member accounts can see this trail [...] when they run AWS CLI commands such as
    describe-trail. However, users in member accounts do not have sufficient permissions to
    delete the organization trail, turn logging on or off, change what types of events are
    logged, or otherwise change the organization trail in any way."
    "the ARN of the trail created in the management account is
    aws:cloudtrail:us-east-2:111111111111:trail/MyOrganizationTrail. This ARN is the ARN for the
    trail in all member accounts as well."

So DescribeTrails (and ListTrails) with shadow trails, in an account of an organization (moto's
Organizations: CreateOrganization, CreateAccount), also lists the organization trails
(IsOrganizationTrail) of the organization's management account: multi-region ones in every
region, single-region ones in their own region; their ARN keeps the management account's id.
Reading or changing a trail by an ARN of another account fails, as reported from member
accounts against AWS ("CloudTrailARNInvalidException: AccountID in ARN is wrong, you can only
access resources with AccountID <caller>.", turbot/steampipe-plugin-aws#577 and
cloudquery/cq-provider-aws#405; steampipe, cloud-custodian and mondoo skip GetTrailStatus and
GetEventSelectors on such trails). AWS's own pages say otherwise: GetTrailStatus's API reference
("If the trail is an organization trail and you are a member account in the organization in
Organizations, you must provide the full ARN of that trail, and not just the name.") and "CloudTrail
concepts" ("member accounts must use the ARN for the organization trail, and not the name, when
using the AWS CLI"), as if reads by ARN worked. The audit handles both answers; this emulates the
failure users report. A name finds only the account's own trails (TrailNotFoundException, as
reported in steampipe-plugin-aws#577). Not modelled: trails of a delegated administrator
account, and CreateTrail refusing IsOrganizationTrail from an account that is not the management
account (NotOrganizationMasterAccountException).

Nothing else changes.
"""
import base64
import copy
import functools
import inspect
import json
import logging
import re
import sys
import textwrap
import threading

from moto.dynamodb import models
from moto.dynamodb import responses as ddb_responses
from moto.dynamodb.exceptions import ItemSizeTooLarge, ItemSizeToUpdateTooLarge, MockValidationException
from moto.dynamodb.models import dynamo_type, table as ddb_table
from moto.account import models as account_models
from moto.account import responses as account_responses
from moto.account import urls as account_urls
from moto.cloudtrail import models as cloudtrail_models
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.moto_api._internal import urls as moto_api_urls
from moto.organizations.models import organizations_backends
from moto.server import main
from moto.sqs import models as sqs_models


def _rewrite(module, cls, method, slow, fast, what, **names):
    """Recompiles one method with one line changed, in its own module's namespace (plus names)."""
    source = textwrap.dedent(inspect.getsource(getattr(cls, method)))
    if slow not in source:  # a moto that fixed it, or changed it: run it as it is
        print(f"moto_server.py: {what} patch not applied", file=sys.stderr)
        return False
    namespace = dict(vars(module), **names)
    exec(compile(source.replace(slow, fast), module.__file__, "exec"), namespace)
    setattr(cls, method, namespace[method])
    return True


def _item_key(table, op):
    """The (hash, range) of the item one transaction entry names, as moto's table stores keys."""
    key = op.get("Item") if "Item" in op else op.get("Key") or {}
    hash_value = key.get(table.hash_key_attr)
    range_value = key.get(table.range_key_attr) if table.range_key_attr else None
    if hash_value is None or (table.range_key_attr and range_value is None):
        return None
    return dynamo_type.DynamoType(hash_value), (dynamo_type.DynamoType(range_value) if range_value is not None else None)


def _stored(table, hash_value, range_value):
    if range_value is None:
        return table.items.get(hash_value)
    return table.items.get(hash_value, {}).get(range_value)


def _put_back(table, hash_value, range_value, item):
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    bucket = table.items.get(hash_value)
    if item is not None:
        table.items[hash_value][range_value] = item
    elif bucket is not None:
        bucket.pop(range_value, None)
        if not bucket:
            table.items.pop(hash_value, None)


def _item_rollback(transact_write_items):
    @functools.wraps(transact_write_items)
    def wrapper(self, transact_items, *args, **kwargs):
        saved = {}
        for entry in transact_items if isinstance(transact_items, list) else []:
            for op in entry.values() if isinstance(entry, dict) else []:
                table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
                key = _item_key(table, op) if table is not None else None
                if key is not None and (table.name, *key) not in saved:
                    saved[(table.name, *key)] = (table, copy.deepcopy(_stored(table, *key)))
        try:
            return transact_write_items(self, transact_items, *args, **kwargs)
        except Exception:
            for (_, hash_value, range_value), (table, item) in saved.items():
                _put_back(table, hash_value, range_value, item)
            raise

    return wrapper


# moto's own backup (a deep copy of each table) is skipped; _item_rollback restores instead.
if _rewrite(
    models,
    models.DynamoDBBackend,
    "transact_write_items",
    "if table_name and table_name in self.tables:",
    "if False:",
    "transact_write_items",
):
    models.DynamoDBBackend.transact_write_items = _item_rollback(models.DynamoDBBackend.transact_write_items)
_rewrite(
    sqs_models,
    sqs_models.SQSBackend,
    "send_message",
    'if queue.attributes.get("ContentBasedDeduplication") == "true":',
    'if str(getattr(queue, "content_based_deduplication", "false")).lower() == "true":',
    "SQS send_message",
)

# ---- DynamoDB limits ----

EXPRESSION_MAX_BYTES = 4096
PLACEHOLDER_MAX_BYTES = 255
SUBSTITUTIONS_MAX_BYTES = 2 * 1024 * 1024
OPERATORS_MAX = 300
IN_OPERANDS_MAX = 100
ITEM_MAX_BYTES = 400 * 1024
TRANSACTION_MAX_ITEMS = 100


def _utf8(text):
    return len(text.encode("utf-8")) if isinstance(text, str) else len(text)


def _number_size(text):
    digits = re.split(r"[eE]", str(text).strip().lstrip("+-"))[0].replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1


def _binary_size(value):
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    try:
        return len(base64.b64decode(value, validate=True))
    except Exception:
        return _utf8(value)


def _value_size(kind, value):
    """An attribute value's size as DynamoDB counts it toward the 400 KB item limit."""
    if kind == "S":
        return _utf8(value)
    if kind == "N":
        return _number_size(value)
    if kind == "B":
        return _binary_size(value)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(v) for v in value)
    if kind == "NS":
        return sum(_number_size(v) for v in value)
    if kind == "BS":
        return sum(_binary_size(v) for v in value)
    if kind == "L":
        return 3 + sum(1 + _attribute_size(v) for v in value)
    if kind == "M":
        return 3 + sum(1 + _utf8(k) + _attribute_size(v) for k, v in value.items())
    return 0


def _attribute_size(value):
    """Size of one attribute value, as request JSON ({"S": "x"}) or as moto's DynamoType."""
    if isinstance(value, dynamo_type.DynamoType):
        return _value_size(value.type, value.value)
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        return _value_size(kind, inner)
    return 0


def _item_size(attributes):
    return sum(_utf8(name) + _attribute_size(value) for name, value in attributes.items())


_TOKEN = re.compile(
    r"\s+|(?P<name>#[A-Za-z0-9_]+)|(?P<value>:[A-Za-z0-9_]+)|(?P<word>[A-Za-z0-9_]+)"
    r"|(?P<op><>|<=|>=|[=<>+\-(),.\[\]])"
)
_COMPARATORS = {"=", "<>", "<", "<=", ">", ">="}
_KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN"}


def _tokens(expression):
    """(kind, text) tokens of an expression; None if it holds anything else (moto's parser then
    reports the syntax error)."""
    out, at = [], 0
    while at < len(expression):
        m = _TOKEN.match(expression, at)
        if not m:
            return None
        if m.lastgroup:
            out.append((m.lastgroup, m.group()))
        at = m.end()
    return out


def _invalid(message):
    return MockValidationException(message)


def _check_operators(field, expression):
    tokens = _tokens(expression)
    if tokens is None:
        return
    update = field == "UpdateExpression"
    count, pending_between, in_lists = 0, 0, []
    for i, (kind, text) in enumerate(tokens):
        nxt = tokens[i + 1][1] if i + 1 < len(tokens) else None
        word = text.upper() if kind == "word" else None
        counted = False
        if kind == "word" and word not in _KEYWORDS and nxt == "(":
            counted = True  # a function call
        elif update:
            counted = kind == "op" and text in ("+", "-")
        elif kind == "op" and text in _COMPARATORS:
            counted = True
        elif word == "AND" and pending_between:
            pending_between -= 1  # BETWEEN's own AND
        elif word in ("AND", "OR", "NOT"):
            counted = True
        elif word == "BETWEEN":
            counted, pending_between = True, pending_between + 1
        elif word == "IN":
            counted = True
            in_lists.append(i + 1)
        if counted:
            count += 1
            if count > OPERATORS_MAX:
                raise _invalid(f"Invalid {field}: The expression contains too many operators; operator count: {count}")
    for start in in_lists:
        if start >= len(tokens) or tokens[start][1] != "(":
            continue
        depth, operands = 0, 1
        for _, text in tokens[start:]:
            if text == "(":
                depth += 1
            elif text == ")":
                depth -= 1
                if depth == 0:
                    break
            elif text == "," and depth == 1:
                operands += 1
        if operands > IN_OPERANDS_MAX:
            raise _invalid(f"Invalid {field}: The IN operator is provided with too many operands; number of operands: {operands}")


_EXPRESSIONS = ("KeyConditionExpression", "UpdateExpression", "ConditionExpression", "FilterExpression", "ProjectionExpression")


def _check_expressions(request):
    """DynamoDB's expression limits, on one request or one transaction action."""
    if not isinstance(request, dict):
        return
    expressions = [(f, request[f]) for f in _EXPRESSIONS if isinstance(request.get(f), str)]
    for field, expression in expressions:
        size = _utf8(expression)
        if size > EXPRESSION_MAX_BYTES:
            raise _invalid(f"Invalid {field}: Expression size has exceeded the maximum allowed size; expression size: {size}")
    names = request.get("ExpressionAttributeNames") or {}
    values = request.get("ExpressionAttributeValues") or {}
    for key in names:
        if _utf8(key) > PLACEHOLDER_MAX_BYTES:
            raise _invalid(f"ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: {_utf8(key)}")
    for key in values:
        if _utf8(key) > PLACEHOLDER_MAX_BYTES:
            raise _invalid("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;")
    substitutions = sum(_utf8(k) + _utf8(v) for k, v in names.items() if isinstance(v, str))
    substitutions += sum(_utf8(k) + _attribute_size(v) for k, v in values.items())
    if substitutions > SUBSTITUTIONS_MAX_BYTES:
        raise _invalid("Combined size of ExpressionAttributeNames and ExpressionAttributeValues exceeds max size")
    for field, expression in expressions:
        if field != "ProjectionExpression":
            _check_operators(field, expression)


def _check_transact_write(body):
    items = body.get("TransactItems") or []
    if len(items) > TRANSACTION_MAX_ITEMS:
        return  # moto refuses the request for its length, as DynamoDB does
    for action in items:
        for op in (action or {}).values():
            _check_expressions(op)


def _check_transact_get(body):
    items = body.get("TransactItems") or []
    if len(items) > TRANSACTION_MAX_ITEMS:
        return
    for action in items:
        _check_expressions((action or {}).get("Get"))


def _check_batch_get(body):
    for keys_and_attributes in (body.get("RequestItems") or {}).values():
        _check_expressions(keys_and_attributes)


_REQUEST_CHECKS = {
    "put_item": _check_expressions,
    "update_item": _check_expressions,
    "delete_item": _check_expressions,
    "get_item": _check_expressions,
    "query": _check_expressions,
    "scan": _check_expressions,
    "batch_get_item": _check_batch_get,
    "transact_write_items": _check_transact_write,
    "transact_get_items": _check_transact_get,
}


def _checked(handler_method, check):
    @functools.wraps(handler_method)
    def wrapper(self, *args, **kwargs):
        check(self.body if isinstance(self.body, dict) else {})
        return handler_method(self, *args, **kwargs)

    return wrapper


_handler = ddb_responses.DynamoHandler
if all(callable(getattr(_handler, name, None)) for name in _REQUEST_CHECKS) and "self.body =" in inspect.getsource(_handler.call_action):
    for _name, _check in _REQUEST_CHECKS.items():
        setattr(_handler, _name, _checked(getattr(_handler, _name), _check))
else:  # a moto whose handler changed: run it as it is
    print("moto_server.py: DynamoDB expression limits patch not applied", file=sys.stderr)

# The 400 KB item limit: DynamoDB's sizes, on the whole item, instead of moto's per-attribute check.
_transaction = threading.local()


class ValidationError(Exception):
    """Raised inside TransactWriteItems: moto lists it as the action's cancellation reason, its
    Code this class's name, as DynamoDB's ("ValidationError")."""


def _limit_put(put_item):
    @functools.wraps(put_item)
    def wrapper(self, item_attrs, *args, **kwargs):
        if isinstance(item_attrs, dict) and _item_size(item_attrs) > ITEM_MAX_BYTES:
            raise ItemSizeTooLarge()
        return put_item(self, item_attrs, *args, **kwargs)

    return wrapper


def _limit_updated_item(table, item, orig_item, hash_value, range_value):
    """After an update, before its stream record: puts the item back as it was if it grew too big."""
    if item is None or _item_size(item.attrs) <= ITEM_MAX_BYTES:
        return
    if orig_item is None:
        if range_value:
            table.items[hash_value].pop(range_value, None)
        else:
            table.items.pop(hash_value, None)
    elif range_value:
        table.items[hash_value][range_value] = orig_item
    else:
        table.items[hash_value] = orig_item
    if getattr(_transaction, "active", False):
        raise ValidationError(ItemSizeToUpdateTooLarge.item_size_to_update_too_large_msg)
    raise ItemSizeToUpdateTooLarge()


def _in_transaction(transact_write_items):
    @functools.wraps(transact_write_items)
    def wrapper(*args, **kwargs):
        _transaction.active = True
        try:
            return transact_write_items(*args, **kwargs)
        finally:
            _transaction.active = False

    return wrapper


_setitem_checks_size = "ItemSizeTooLarge" in inspect.getsource(dynamo_type.LimitedSizeDict.__setitem__)
if _setitem_checks_size and _rewrite(
    models,
    models.DynamoDBBackend,
    "update_item",
    "    if table.stream_shard is not None:\n        table.stream_shard.add(orig_item, item)\n    return item",
    "    _limit_updated_item(table, item, orig_item, hash_value, range_value)\n"
    "    if table.stream_shard is not None:\n        table.stream_shard.add(orig_item, item)\n    return item",
    "DynamoDB update_item size limit",
    _limit_updated_item=_limit_updated_item,
):
    dynamo_type.LimitedSizeDict.__setitem__ = dict.__setitem__
    ddb_table.Table.put_item = _limit_put(ddb_table.Table.put_item)
    models.DynamoDBBackend.transact_write_items = _in_transaction(models.DynamoDBBackend.transact_write_items)
elif not _setitem_checks_size:
    print("moto_server.py: DynamoDB item size patch not applied", file=sys.stderr)

# moto recurses once or more per update action: ~170 SET actions overflow the default limit of 1000.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
threading.stack_size(max(threading.stack_size(), 64 * 1024 * 1024))

if isinstance(getattr(ddb_responses, "TRANSACTION_MAX_ITEMS", None), int):
    ddb_responses.TRANSACTION_MAX_ITEMS = TRANSACTION_MAX_ITEMS  # TransactGetItems' limit, read at each call
else:
    print("moto_server.py: TransactGetItems limit patch not applied", file=sys.stderr)

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

# ---- Account Management: ListRegions ----

REGION_OPT_STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
LIST_REGIONS_MAX_RESULTS = 50
LIST_REGIONS_PAGE = 20


class AccountValidationException(JsonRESTError):
    def __init__(self, message):
        super().__init__("ValidationException", message)


def _declared_regions(account_id, partition="aws"):
    """The account's region opt-in table, on its moto backend (so /moto-api/reset clears it)."""
    backend = account_models.account_backends[account_id][partition]
    if not hasattr(backend, "emulated_regions"):
        backend.emulated_regions = []
    return backend


def _list_regions(self):
    account_id = self._get_param("AccountId") or self.current_account
    wanted = self._get_param("RegionOptStatusContains") or []
    for status in wanted:
        if status not in REGION_OPT_STATUSES:
            raise AccountValidationException(
                f"1 validation error detected: Value '{status}' at 'regionOptStatusContains' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(REGION_OPT_STATUSES)}]"
            )
    size = self._get_param("MaxResults")
    if size is not None and not 1 <= int(size) <= LIST_REGIONS_MAX_RESULTS:
        bound = "greater than or equal to 1" if int(size) < 1 else f"less than or equal to {LIST_REGIONS_MAX_RESULTS}"
        raise AccountValidationException(f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy constraint: Member must have value {bound}")
    size = int(size) if size is not None else LIST_REGIONS_PAGE
    token = self._get_param("NextToken")
    if token is not None and not str(token).isdigit():
        raise AccountValidationException("The NextToken is not valid.")
    start = int(token or 0)
    regions = sorted(
        (r for r in _declared_regions(account_id, self.partition).emulated_regions if not wanted or r["RegionOptStatus"] in wanted),
        key=lambda r: r["RegionName"],
    )
    result = {"Regions": regions[start : start + size]}
    if start + size < len(regions):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def set_account_regions(request, full_url, headers):
    """POST /moto-api/static/account/regions: an account's regions and their opt-in status."""
    body = moto_api_urls.response_instance._get_body(headers, request)
    regions = body.get("regions", [])
    if not isinstance(regions, list) or any(not isinstance(r, dict) or r.get("RegionOptStatus") not in REGION_OPT_STATUSES or not r.get("RegionName") for r in regions):
        return 400, {}, json.dumps({"message": f"regions: a list of {{RegionName, RegionOptStatus}}, the status one of {', '.join(REGION_OPT_STATUSES)}"})
    backend = _declared_regions(body.get("account_id") or DEFAULT_ACCOUNT_ID, body.get("partition") or "aws")
    backend.emulated_regions = [{"RegionName": r["RegionName"], "RegionOptStatus": r["RegionOptStatus"]} for r in regions]
    return 201, {}, ""


if hasattr(account_responses.AccountResponse, "list_regions") or "{0}/listRegions$" in account_urls.url_paths:
    print("moto_server.py: account ListRegions emulation not applied (moto has its own)", file=sys.stderr)
else:
    account_responses.AccountResponse.list_regions = _list_regions
    account_urls.url_paths["{0}/listRegions$"] = account_responses.AccountResponse.dispatch
    moto_api_urls.url_paths["{0}/moto-api/static/account/regions"] = set_account_regions

# ---- CloudTrail: organization trails seen from member accounts ----


class CloudTrailARNInvalidException(JsonRESTError):
    code = 400

    def __init__(self, account_id):
        super().__init__("CloudTrailARNInvalidException", f"AccountID in ARN is wrong, you can only access resources with AccountID {account_id}.")


def _management_account(account_id):
    owner = organizations_backends.master_accounts.get(account_id)
    return owner[0] if owner and owner[0] != account_id else None


def _with_organization_trails(describe_trails):
    @functools.wraps(describe_trails)
    def wrapper(self, include_shadow_trails, *args, **kwargs):
        trails = list(describe_trails(self, include_shadow_trails, *args, **kwargs))
        management = _management_account(self.account_id) if include_shadow_trails else None
        if management:
            for backend in list(cloudtrail_models.cloudtrail_backends[management].values()):
                for trail in list(backend.trails.values()):
                    if trail.is_org_trail and (trail.is_multi_region or trail.region_name == self.region_name) and trail not in trails:
                        trails.append(trail)
        return trails

    return wrapper


def _own_arns_only(method):
    @functools.wraps(method)
    def wrapper(self, name_or_arn, *args, **kwargs):
        if isinstance(name_or_arn, str) and name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            if len(parts) > 5 and parts[4] != self.account_id:
                raise CloudTrailARNInvalidException(self.account_id)
        return method(self, name_or_arn, *args, **kwargs)

    return wrapper


def _own_names_only(get_trail_status, own_trails):
    """GetTrailStatus finds trails by name among the shadow trails too: a name finds only the
    account's own (a member account names an organization trail by its ARN)."""

    @functools.wraps(get_trail_status)
    def wrapper(self, name, *args, **kwargs):
        if isinstance(name, str) and not name.startswith("arn:") and len(name) >= 3:
            if not any(t.trail_name == name for t in own_trails(self, True)):
                raise cloudtrail_models.TrailNotFoundException(
                    account_id=self.account_id, name=f"arn:{cloudtrail_models.get_partition(self.region_name)}:cloudtrail:{self.region_name}:{self.account_id}:trail/{name}"
                )
        return get_trail_status(self, name, *args, **kwargs)

    return wrapper


_ct_backend = cloudtrail_models.CloudTrailBackend
if all(callable(getattr(_ct_backend, m, None)) for m in ("describe_trails", "get_trail", "get_trail_status")) and "is_org_trail" in inspect.getsource(cloudtrail_models.Trail):
    _own_trails = _ct_backend.describe_trails
    _ct_backend.describe_trails = _with_organization_trails(_ct_backend.describe_trails)
    # get_trail serves every call on one trail but DescribeTrails and GetTrailStatus.
    _ct_backend.get_trail = _own_arns_only(_ct_backend.get_trail)
    _ct_backend.get_trail_status = _own_arns_only(_own_names_only(_ct_backend.get_trail_status, _own_trails))
else:  # a moto whose CloudTrail changed: run it as it is
    print("moto_server.py: CloudTrail organization trails patch not applied", file=sys.stderr)

# ---- STS: AssumeRole of a role that does not exist ----
# moto hands out credentials for any role ARN, in any account ("the role does not need to exist",
# moto/sts/models.py). AWS refuses: the role's trust policy is what lets a caller assume it, and a
# missing role has none. From the STS API reference, AssumeRole, Errors and "Permissions"
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html): "the role's trust
# policy ... must grant the caller permission to assume the role"; the refusal is AccessDenied,
# "User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role ARN>" (HTTP 403).
# Organization mode depends on it: the audit finds an account without the member stack this way.
# The trust policy itself is not evaluated here (moto's callers are not the bot's roles).
from moto.core.exceptions import AccessDeniedError  # noqa: E402
from moto.iam.exceptions import NotFoundException as _IamNotFound  # noqa: E402
from moto.iam.models import iam_backends as _iam_backends  # noqa: E402
from moto.sts import responses as _sts_responses  # noqa: E402


def _existing_roles_only(assume_role):
    @functools.wraps(assume_role)
    def wrapper(self):
        role_arn = self._get_param("RoleArn") or ""
        parts = role_arn.split(":")
        account = parts[4] if len(parts) > 5 and parts[4] else self.current_account
        try:
            _iam_backends[account]["global"].get_role_by_arn(role_arn)
        except _IamNotFound:
            caller = self.backend.get_caller_identity(self.get_access_key(), self.region)[1]
            raise AccessDeniedError(user_arn=caller, action=f"sts:AssumeRole on resource: {role_arn}")
        return assume_role(self)

    return wrapper


if callable(getattr(_sts_responses.TokenResponse, "assume_role", None)):
    _sts_responses.TokenResponse.assume_role = _existing_roles_only(_sts_responses.TokenResponse.assume_role)
else:
    print("moto_server.py: STS AssumeRole role check not applied", file=sys.stderr)

# ---- ECR: an image is pushed only from blobs uploaded to its repository ----
# moto stores any manifest PutImage is given, whether or not its blobs exist, and CompleteLayerUpload
# ignores the digest it is told. ECR refuses both, so a decoy image that could never be pushed to a
# real account (or pulled from it) was minted here. From the Amazon ECR API Reference:
#   PutImage (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html): "When an
#   image is pushed and all new image layers have been uploaded, the PutImage API is called once to
#   create or update the image manifest"; Errors: "LayersNotFoundException: The specified layers
#   could not be found, or the specified layer is not valid for this repository. HTTP Status Code:
#   400", and "ImageDigestDoesNotMatchException: The specified image digest does not match the
#   digest that Amazon ECR calculated for the image." The digest is "The sha256 digest of the image
#   manifest" (ImageDetail and ImageIdentifier, imageDigest).
#   CompleteLayerUpload (API_CompleteLayerUpload.html): "You can optionally provide a sha256 digest of
#   the image layer for data validation purposes"; Errors: "InvalidLayerException: The layer digest
#   calculation performed by Amazon ECR upon receipt of the image layer does not match the digest
#   specified", "EmptyUploadException: The specified layer upload does not contain any layer parts",
#   "LayerAlreadyExistsException: The image layer already exists in the associated repository".
#   UploadLayerPart (API_UploadLayerPart.html): partFirstByte and partLastByte are "The position of
#   the first [last] byte of the layer part within the overall image layer"; Errors:
#   "InvalidLayerPartException: The layer part size is not valid, or the first byte specified is not
#   consecutive to the last byte of a previous layer part upload" (moto checks the first byte only).
# So: PutImage of an image manifest (one with "layers": a manifest list or index references images,
# not blobs) whose config or any layer digest is not a blob completed in that repository fails with
# LayersNotFoundException, before anything is stored; an imageDigest that is not the sha256 of the
# manifest as sent fails with ImageDigestDoesNotMatchException, and without one the image's digest
# is that sha256 (moto hashes the layer digests instead). CompleteLayerUpload of no bytes fails with
# EmptyUploadException, of bytes whose sha256 is not every given digest with InvalidLayerException,
# of a blob the repository already holds with LayerAlreadyExistsException (a pusher asks
# BatchCheckLayerAvailability first); the upload stays open after each. An UploadLayerPart whose
# range does not span exactly its bytes (last = first + length - 1) fails with
# InvalidLayerPartException. ECR does not publish its messages for these: the LayersNotFound one is
# modelled on ECR's for a manifest list ("Images with digests [...] required for pushing image into
# repository [...] do not exist"). Not enforced: LayerPartTooSmallException ("Layer parts must be at
# least 5 MiB in size", which cannot hold for a layer's last part), foreign layers, manifest sizes.
# GetDownloadUrlForLayer, which moto does not have (NotImplementedError), so that a pull can be
# tested as docker pulls: "Retrieves the pre-signed Amazon S3 download URL corresponding to an image
# layer. You can only get URLs for image layers that are referenced in an image"
# (API_GetDownloadUrlForLayer.html); a blob never completed fails with LayersNotFoundException, one
# no image references with LayerInaccessibleException ("The specified layer is not available because
# it is not associated with an image"). The URL is the emulator's own, GET /moto-api/ecr/layer?...,
# serving the bytes the upload completed with; not signed, and it does not expire.
import hashlib  # noqa: E402
from urllib.parse import parse_qs, urlencode, urlparse  # noqa: E402

from moto.core.exceptions import ServiceException  # noqa: E402
from moto.ecr import models as ecr_models  # noqa: E402
from moto.ecr import responses as ecr_responses  # noqa: E402
from moto.ecr.exceptions import InvalidLayerPartException as _InvalidLayerPart  # noqa: E402


class LayersNotFoundException(ServiceException):
    code = "LayersNotFoundException"


class ImageDigestDoesNotMatchException(ServiceException):
    code = "ImageDigestDoesNotMatchException"


class InvalidLayerException(ServiceException):
    code = "InvalidLayerException"


class EmptyUploadException(ServiceException):
    code = "EmptyUploadException"


class LayerAlreadyExistsException(ServiceException):
    code = "LayerAlreadyExistsException"


class LayerInaccessibleException(ServiceException):
    code = "LayerInaccessibleException"


def _manifest_digest(manifest):
    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def _uploaded_blobs_only(put_image):
    @functools.wraps(put_image)
    def wrapper(self, repository_name, image_manifest, *args, **kwargs):
        repository = self.repositories.get(repository_name)
        try:
            manifest = json.loads(image_manifest)
        except (TypeError, ValueError):
            manifest = None  # moto refuses it in its own words
        if repository is not None and isinstance(manifest, dict) and isinstance(manifest.get("layers"), list):
            blobs = [*([manifest["config"]] if "config" in manifest else []), *manifest["layers"]]
            digests = [b.get("digest") if isinstance(b, dict) else None for b in blobs]
            missing = [str(d) for d in digests if d not in repository.layers]
            if missing:
                raise LayersNotFoundException(
                    f"Layers with digests '[{', '.join(missing)}]' required for pushing image into repository with name "
                    f"'{repository_name}' in the registry with id '{repository.registry_id}' do not exist"
                )
        digest = kwargs.get("digest", args[2] if len(args) > 2 else None)
        if repository is not None and isinstance(image_manifest, str) and digest and digest != _manifest_digest(image_manifest):
            raise ImageDigestDoesNotMatchException(
                f"Invalid parameter at 'imageDigest': digest '{digest}' does not match the digest of the image manifest, "
                f"'{_manifest_digest(image_manifest)}'"
            )
        return put_image(self, repository_name, image_manifest, *args, **kwargs)

    return wrapper


def _blobs(repository):
    """The bytes of each blob completed in the repository (moto keeps only sizes): the emulated
    GetDownloadUrlForLayer serves them, so that a test can pull an image as docker does."""
    if not hasattr(repository, "emulated_blobs"):
        repository.emulated_blobs = {}
    return repository.emulated_blobs


def _referenced(repository, digest):
    for image in repository.images:
        try:
            manifest = json.loads(image.image_manifest)
        except ValueError:
            continue
        blobs = [manifest.get("config") or {}, *(manifest.get("layers") or [])] if isinstance(manifest, dict) else []
        if any(isinstance(b, dict) and b.get("digest") == digest for b in blobs):
            return True
    return False


def _get_download_url_for_layer(self):
    repository_name = self._get_param("repositoryName")
    digest = self._get_param("layerDigest")
    repository = self.ecr_backend._get_repository(repository_name, self._get_param("registryId"))
    if digest not in _blobs(repository):
        raise LayersNotFoundException(f"The layer with digest '{digest}' does not exist in the repository with name '{repository_name}' in the registry with id '{repository.registry_id}'")
    if not _referenced(repository, digest):
        raise LayerInaccessibleException(f"The layer with digest '{digest}' is not associated with an image in the repository with name '{repository_name}'")
    query = urlencode({"account": self.current_account, "region": self.region, "repository": repository_name, "digest": digest})
    return ActionResult({"downloadUrl": f"http://{self.headers.get('Host', 'localhost')}/moto-api/ecr/layer?{query}", "layerDigest": digest})


def download_layer(request, full_url, headers):
    """GET /moto-api/ecr/layer?...: the blob a download URL names, as ECR's pre-signed S3 URL serves it."""
    q = {k: v[0] for k, v in parse_qs(urlparse(full_url).query).items()}
    repository = ecr_models.ecr_backends[q.get("account", DEFAULT_ACCOUNT_ID)][q.get("region", "us-east-1")].repositories.get(q.get("repository"))
    blob = _blobs(repository).get(q.get("digest")) if repository is not None else None
    if blob is None:
        return 404, {}, "NoSuchKey"
    return 200, {"Content-Type": "application/octet-stream"}, blob


def _the_manifest_digest(self):
    self._image_digest = _manifest_digest(self.image_manifest)


def _exact_part_range(upload_layer_part):
    @functools.wraps(upload_layer_part)
    def wrapper(self, repository_name, upload_id, part_first_byte, part_last_byte, layer_part_blob, *args, **kwargs):
        repository = self.repositories.get(repository_name)
        upload = repository.uploads.get(upload_id) if repository is not None else None
        size = len(layer_part_blob or b"")
        if upload is not None and int(part_last_byte) - int(part_first_byte) + 1 != size:
            raise _InvalidLayerPart(repository.registry_id, repository_name, upload_id, upload.last_byte_received)
        return upload_layer_part(self, repository_name, upload_id, part_first_byte, part_last_byte, layer_part_blob, *args, **kwargs)

    return wrapper


def _checked_layer(complete_layer_upload):
    @functools.wraps(complete_layer_upload)
    def wrapper(self, repository_name, upload_id, layer_digests, *args, **kwargs):
        repository = self.repositories.get(repository_name)
        upload = repository.uploads.get(upload_id) if repository is not None else None
        if upload is not None:
            where = f"for upload with id '{upload_id}' in the repository with name '{repository_name}' in the registry with id '{repository.registry_id}'"
            if not upload.layer_parts:
                raise EmptyUploadException(f"No layer parts were uploaded {where}")
            computed = "sha256:" + hashlib.sha256(bytes(upload.layer_parts)).hexdigest()
            wrong = [d for d in layer_digests or [] if d != computed]
            if wrong:
                raise InvalidLayerException(f"Invalid layer digest '{wrong[0]}': the uploaded layer's digest is '{computed}' {where}")
            if computed in repository.layers:
                raise LayerAlreadyExistsException(f"Layer '{computed}' already exists in the repository with name '{repository_name}' in the registry with id '{repository.registry_id}'")
            blob = bytes(upload.layer_parts)
        result = complete_layer_upload(self, repository_name, upload_id, layer_digests, *args, **kwargs)
        if upload is not None:
            _blobs(repository)[result["layerDigest"]] = blob
        return result

    return wrapper


_ecr_backend = ecr_models.ECRBackend
_ecr_sources = {m: inspect.getsource(getattr(_ecr_backend, m)) if callable(getattr(_ecr_backend, m, None)) else "" for m in ("put_image", "upload_layer_part", "complete_layer_upload")}
if (
    "repository.layers[" in _ecr_sources["complete_layer_upload"]
    and "upload.layer_parts +=" in _ecr_sources["upload_layer_part"]
    and "self.repositories[repository_name]" in _ecr_sources["put_image"]
    and callable(getattr(ecr_models.Image, "_create_digest", None))
):
    _ecr_backend.put_image = _uploaded_blobs_only(_ecr_backend.put_image)
    _ecr_backend.upload_layer_part = _exact_part_range(_ecr_backend.upload_layer_part)
    _ecr_backend.complete_layer_upload = _checked_layer(_ecr_backend.complete_layer_upload)
    ecr_models.Image._create_digest = _the_manifest_digest
    if "NotImplementedError" in inspect.getsource(ecr_responses.ECRResponse.get_download_url_for_layer):
        ecr_responses.ECRResponse.get_download_url_for_layer = _get_download_url_for_layer
        moto_api_urls.url_paths["{0}/moto-api/ecr/layer"] = download_layer
    else:
        print("moto_server.py: ECR GetDownloadUrlForLayer emulation not applied (moto has its own)", file=sys.stderr)
else:  # a moto whose ECR stores blobs differently: run it as it is
    print("moto_server.py: ECR blob checks patch not applied", file=sys.stderr)

# ---- CloudTrail: the event selectors AWS accepts ----
# moto stores whatever PutEventSelectors is given, and keeps a trail's old advanced selectors beside
# new basic ones. CloudTrail refuses selectors that break its documented rules, with
# InvalidEventSelectorsException (HTTP 400), and replaces one kind with the other. From the CloudTrail
# API Reference (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/):
#   InvalidEventSelectorsException: "This exception is thrown when the PutEventSelectors operation is
#   called with a number of event selectors, advanced event selectors, or data resources that is not
#   valid. [...] A trail can have up to 5 event selectors. If a trail uses advanced event selectors,
#   a maximum of 500 total values for all conditions in all advanced event selectors is allowed. A
#   trail is limited to 250 data resources. [...] You can: Specify a valid number of event selectors
#   (1 to 5) for a trail. [...] Specify a valid value for a parameter. For example, specifying the
#   ReadWriteType parameter with a value of read-only is not valid."
#   PutEventSelectors: "You can use either AdvancedEventSelectors or EventSelectors, but not both. If
#   you apply AdvancedEventSelectors to a trail, any existing EventSelectors are overwritten", and of
#   EventSelectors, "If you apply EventSelectors to a trail, any existing AdvancedEventSelectors are
#   overwritten." (InvalidEventSelectorsException is the only selector error the operation lists.)
#   EventSelector, DataResources: "You can specify up to 250 resources for an individual event
#   selector, but the total number of data resources cannot exceed 250 across all event selectors in
#   a trail. This limit does not apply if you configure resource logging for all data events" (the
#   "arn:aws:s3", "arn:aws:lambda", "arn:aws:dynamodb" prefixes of DataResource, Values); DataResource,
#   Type: "You can specify the following basic event selector resource types: AWS::DynamoDB::Table,
#   AWS::Lambda::Function, AWS::S3::Object". IncludeManagementEvents defaults to true; false with no
#   data resources selects nothing, which CloudTrail refuses with "Invalid combination of parameters
#   in EventSelectors. When includeManagementEvents is false, DataResources must not be empty" (its
#   own message, quoted in aws/aws-cdk#15488 and awsdocs/aws-cloudformation-user-guide#752).
#   AdvancedEventSelector: "Supported CloudTrail event record fields for management events:
#   eventCategory (required), eventSource, readOnly"; "for data events: eventCategory (required),
#   eventName, eventSource, eventType, resources.ARN, resources.type (required), readOnly,
#   sessionCredentialFromConsole, userIdentity.arn"; "for network activity events: eventCategory
#   (required), eventSource (required), eventName, errorCode [...], vpcEndpointId", and for trails
#   userIdentity.arn (AdvancedFieldSelector, Field). AdvancedFieldSelector, Equals: "This is the only
#   valid operator that you can use with the readOnly, eventCategory, and resources.type fields";
#   Field: eventCategory "is required and must be set to Equals", Management, Data or NetworkActivity
#   for a trail (the other categories are event data stores').
# So PutEventSelectors fails, before anything is stored, when: both kinds or neither are given; there
# are not 1 to 5 basic selectors; a basic selector has an unknown ReadWriteType or resource type, or
# IncludeManagementEvents false and no data resources; the basic selectors name more than 250 data
# resources (each value, but the all-of-a-type prefixes); there is no advanced selector; one has no
# eventCategory, or one not Equals to exactly one trail category; a field its category does not
# support, or none of its required ones; readOnly, eventCategory or resources.type with an operator
# other than Equals; more than 500 values (every value of every operator of every field). Only the
# includeManagementEvents message is AWS's wording; CloudTrail does not publish the others.
# CreateTrail and UpdateTrail take no selectors in the API (CloudFormation applies a template's with
# PutEventSelectors). Not modelled: the default selector of a new trail (all management events),
# per-type rules on values (resources.ARN formats), network activity's eventSource values.
from moto.cloudtrail import responses as _ct_responses  # noqa: E402


class InvalidEventSelectorsException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("InvalidEventSelectorsException", message)


BASIC_SELECTORS_MAX = 5
DATA_RESOURCES_MAX = 250
ADVANCED_VALUES_MAX = 500
READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")
BASIC_RESOURCE_TYPES = ("AWS::DynamoDB::Table", "AWS::Lambda::Function", "AWS::S3::Object")
ALL_OF_A_TYPE = re.compile(r"arn:[a-z-]+:(s3|lambda|dynamodb)(:::)?")
FIELD_OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")
EQUALS_ONLY_FIELDS = ("readOnly", "eventCategory", "resources.type")
TRAIL_FIELDS = {
    "Management": {"eventCategory", "eventSource", "readOnly"},
    "Data": {"eventCategory", "eventName", "eventSource", "eventType", "resources.ARN", "resources.type", "readOnly", "sessionCredentialFromConsole", "userIdentity.arn"},
    "NetworkActivity": {"eventCategory", "eventSource", "eventName", "errorCode", "vpcEndpointId", "userIdentity.arn"},
}
REQUIRED_FIELDS = {"Management": (), "Data": ("resources.type",), "NetworkActivity": ("eventSource",)}


def _check_basic_selectors(selectors):
    if not isinstance(selectors, list) or not 1 <= len(selectors) <= BASIC_SELECTORS_MAX:
        count = len(selectors) if isinstance(selectors, list) else 0
        raise InvalidEventSelectorsException(f"A trail has 1 to {BASIC_SELECTORS_MAX} event selectors; {count} were given.")
    resources = 0
    for selector in selectors:
        selector = selector if isinstance(selector, dict) else {}
        read_write = selector.get("ReadWriteType", "All")
        if read_write not in READ_WRITE_TYPES:
            raise InvalidEventSelectorsException(f"Value {read_write} for ReadWriteType is not valid: one of {', '.join(READ_WRITE_TYPES)}.")
        data = selector.get("DataResources") or []
        if selector.get("IncludeManagementEvents", True) is False and not data:
            raise InvalidEventSelectorsException(
                "Invalid combination of parameters in EventSelectors. When includeManagementEvents is false, DataResources must not be empty"
            )
        for resource in data:
            if resource.get("Type") not in BASIC_RESOURCE_TYPES:
                raise InvalidEventSelectorsException(f"Resource type {resource.get('Type')} is not valid in event selectors: one of {', '.join(BASIC_RESOURCE_TYPES)}.")
            resources += sum(1 for v in resource.get("Values") or [] if not ALL_OF_A_TYPE.fullmatch(str(v)))
    if resources > DATA_RESOURCES_MAX:
        raise InvalidEventSelectorsException(f"A trail is limited to {DATA_RESOURCES_MAX} data resources across its event selectors; {resources} were given.")


def _check_advanced_selectors(selectors):
    if not isinstance(selectors, list) or not selectors:
        raise InvalidEventSelectorsException("A trail's advanced event selectors must select something: give at least one.")
    values = 0
    for selector in selectors:
        fields = [f for f in (selector or {}).get("FieldSelectors") or [] if isinstance(f, dict)]
        by_name = {f.get("Field"): f for f in fields}
        values += sum(len(f.get(op) or []) for f in fields for op in FIELD_OPERATORS)
        for f in fields:
            if f.get("Field") in EQUALS_ONLY_FIELDS and any(f.get(op) for op in FIELD_OPERATORS if op != "Equals"):
                raise InvalidEventSelectorsException(f"Field {f.get('Field')} takes the Equals operator only.")
        category = by_name.get("eventCategory")
        equals = (category or {}).get("Equals") or []
        if len(equals) != 1 or equals[0] not in TRAIL_FIELDS:
            raise InvalidEventSelectorsException(
                f"Each advanced event selector needs the eventCategory field, Equals one of {', '.join(TRAIL_FIELDS)} (selector {selector.get('Name', '')!r})."
            )
        unknown = sorted(str(name) for name in by_name if name not in TRAIL_FIELDS[equals[0]])
        if unknown:
            raise InvalidEventSelectorsException(f"Field {unknown[0]} is not supported for {equals[0]} events in a trail's advanced event selectors.")
        missing = [name for name in REQUIRED_FIELDS[equals[0]] if name not in by_name]
        if missing:
            raise InvalidEventSelectorsException(f"Field {missing[0]} is required for {equals[0]} events.")
    if values > ADVANCED_VALUES_MAX:
        raise InvalidEventSelectorsException(
            f"A trail's advanced event selectors have at most {ADVANCED_VALUES_MAX} values for all their conditions; {values} were given."
        )


def _check_event_selectors(params):
    basic, advanced = params.get("EventSelectors"), params.get("AdvancedEventSelectors")
    if basic is not None and advanced is not None:
        raise InvalidEventSelectorsException("Use either EventSelectors or AdvancedEventSelectors, not both.")
    if advanced is not None:
        _check_advanced_selectors(advanced)
    else:
        _check_basic_selectors(basic)


def _validated_selectors(put_event_selectors):
    @functools.wraps(put_event_selectors)
    def wrapper(self, *args, **kwargs):
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            params = {}
        _check_event_selectors(params if isinstance(params, dict) else {})
        return put_event_selectors(self, *args, **kwargs)

    return wrapper


def _replacing_advanced(put_event_selectors):
    """Basic selectors overwrite advanced ones, as advanced ones (in moto already) overwrite basic ones."""

    @functools.wraps(put_event_selectors)
    def wrapper(self, event_selectors, advanced_event_selectors, *args, **kwargs):
        put_event_selectors(self, event_selectors, advanced_event_selectors, *args, **kwargs)
        if event_selectors:
            self.advanced_event_selectors = []

    return wrapper


if "json.loads(self.body)" in inspect.getsource(_ct_responses.CloudTrailResponse.put_event_selectors) and "advanced_event_selectors" in inspect.getsource(
    cloudtrail_models.Trail.put_event_selectors
):
    _ct_responses.CloudTrailResponse.put_event_selectors = _validated_selectors(_ct_responses.CloudTrailResponse.put_event_selectors)
    cloudtrail_models.Trail.put_event_selectors = _replacing_advanced(cloudtrail_models.Trail.put_event_selectors)
else:  # a moto whose CloudTrail changed: run it as it is
    print("moto_server.py: CloudTrail event selector rules patch not applied", file=sys.stderr)

# ---- IAM: users' permissions boundaries, and what ListUsers returns ----
# moto 5.2.5 keeps roles' permissions boundaries only: CreateUser ignores PermissionsBoundary,
# GetUser never returns one, and PutUserPermissionsBoundary and DeleteUserPermissionsBoundary are
# not implemented. From the IAM API Reference (https://docs.aws.amazon.com/IAM/latest/APIReference/):
#   CreateUser, PermissionsBoundary: "The ARN of the managed policy that is used to set the
#   permissions boundary for the user"; PutUserPermissionsBoundary: "Adds or updates the policy that
#   is specified as the IAM user's permissions boundary. You can use an AWS managed policy or a
#   customer managed policy to set the boundary for a user"; DeleteUserPermissionsBoundary: "Deletes
#   the permissions boundary for the specified IAM user"; User, PermissionsBoundary, an
#   AttachedPermissionsBoundary of PermissionsBoundaryType and PermissionsBoundaryArn; GetUser
#   "Retrieves information about the specified IAM user". Both CreateUser and
#   PutUserPermissionsBoundary list NoSuchEntity ("The request was rejected because it referenced a
#   resource entity that does not exist", HTTP 404) and InvalidInput ("an invalid or out-of-range
#   value was supplied for an input parameter", HTTP 400); for a boundary that is no managed policy
#   IAM answers "NoSuchEntity: Scope ARN: arn:aws:iam::<account>:policy/<name> does not exist or is
#   not attachable." (status 404, as reported in hashicorp/boundary#4255, CreateUser).
#   ListUsers: "IAM resource-listing operations return a subset of the available attributes for the
#   resource. This operation does not return the following attributes, even though they are an
#   attribute of the returned object: PermissionsBoundary, Tags"; MaxItems: "If you do not include
#   this parameter, the number of items defaults to 100" (1 to 1000), with IsTruncated and Marker.
# So CreateUser with a boundary keeps it (and fails, creating nothing, when the ARN is malformed:
# InvalidInput, or names no managed policy of the account nor of AWS: NoSuchEntity); GetUser and
# CreateUser return it as PermissionsBoundary {PermissionsBoundaryType: PermissionsBoundaryPolicy,
# PermissionsBoundaryArn}; PutUserPermissionsBoundary sets or replaces it, with the same checks, and
# DeleteUserPermissionsBoundary removes it; ListUsers returns neither it nor tags, 100 users a page
# unless MaxItems (1 to 1000, else ValidationError) says otherwise, and a Marker to go on. AWS's
# managed policies are those moto knows (its aws_managed_policies data), whether or not it loads them.
# The InvalidInput message is moto's own for roles (IAM does not publish it).
from moto.core.serialize import never_return as _never_return, return_if_not_empty as _return_if_not_empty  # noqa: E402
from moto.iam import models as _iam_models  # noqa: E402
from moto.iam import responses as _iam_responses  # noqa: E402
from moto.iam.aws_managed_policies import aws_managed_policies_data as _aws_policies_json  # noqa: E402
from moto.iam.exceptions import InvalidInput as _IamInvalidInput  # noqa: E402
from moto.iam.exceptions import NotFoundException as _IamNoSuchEntity  # noqa: E402
from moto.iam.exceptions import ValidationError as _IamValidationError  # noqa: E402

LIST_USERS_PAGE = 100
LIST_USERS_MAX_ITEMS = 1000
_AWS_MANAGED_POLICIES = {f"{d.get('Path', '/')}{name}" for name, d in json.loads(_aws_policies_json).items()}


def _checked_boundary(backend, arn):
    """The boundary ARN as IAM takes it: a managed policy of this account, or one of AWS's."""
    if not backend.policy_arn_regex.match(arn or ""):
        raise _IamInvalidInput(f"Value ({arn}) for parameter PermissionsBoundary is invalid.")
    parts = arn.split(":", 5)
    if arn in backend.managed_policies or (parts[4] == "aws" and parts[5].startswith("policy/") and parts[5][len("policy") :] in _AWS_MANAGED_POLICIES):
        return arn
    raise _IamNoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")


def _user_permissions_boundary(user):
    arn = getattr(user, "permissions_boundary_arn", None)
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn} if arn else None


def _create_user_with_boundary(create_user):
    @functools.wraps(create_user)
    def wrapper(self):
        arn = self._get_param("PermissionsBoundary")
        if arn is not None:
            _checked_boundary(self.backend, arn)
        result = create_user(self)
        if arn is not None:
            self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = arn
        return result

    return wrapper


def _put_user_permissions_boundary(self):
    user = self.backend.get_user(self._get_param("UserName"))
    user.permissions_boundary_arn = _checked_boundary(self.backend, self._get_param("PermissionsBoundary"))
    return _iam_responses.EmptyResult()


def _delete_user_permissions_boundary(self):
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = None
    return _iam_responses.EmptyResult()


def _list_users_in_pages(self):
    size = self._get_param("MaxItems")
    if size is not None and not 1 <= int(size) <= LIST_USERS_MAX_ITEMS:
        bound = "greater than or equal to 1" if int(size) < 1 else f"less than or equal to {LIST_USERS_MAX_ITEMS}"
        raise _IamValidationError(f"1 validation error detected: Value '{size}' at 'maxItems' failed to satisfy constraint: Member must have value {bound}")
    size = int(size) if size is not None else LIST_USERS_PAGE
    marker = self._get_param("Marker")
    if marker is not None and not str(marker).isdigit():
        raise _IamValidationError("Invalid Marker.")
    start = int(marker or 0)
    users = list(self.backend.list_users(self._get_param("PathPrefix"), None, None))
    result = {"Users": users[start : start + size], "IsTruncated": start + size < len(users)}
    if start + size < len(users):
        result["Marker"] = str(start + size)
    return _iam_responses.ActionResult(result)


_iam_handler = _iam_responses.IamResponse
if (
    not hasattr(_iam_models.User, "permissions_boundary")
    and not hasattr(_iam_handler, "put_user_permissions_boundary")
    and isinstance(getattr(_iam_handler, "RESPONSE_KEY_PATH_TO_TRANSFORMER", None), dict)
    and "user_name=user_name, path=path, tags=tags" in inspect.getsource(_iam_handler.create_user)
    and '"IsTruncated": False' in inspect.getsource(_iam_handler.list_users)
):
    _iam_models.User.permissions_boundary_arn = None
    _iam_models.User.permissions_boundary = property(_user_permissions_boundary)
    _iam_handler.create_user = _create_user_with_boundary(_iam_handler.create_user)
    _iam_handler.put_user_permissions_boundary = _put_user_permissions_boundary
    _iam_handler.delete_user_permissions_boundary = _delete_user_permissions_boundary
    _iam_handler.list_users = _list_users_in_pages
    _iam_handler.RESPONSE_KEY_PATH_TO_TRANSFORMER.update(
        {
            "CreateUserResponse.User.PermissionsBoundary": _return_if_not_empty,
            "GetUserResponse.User.PermissionsBoundary": _return_if_not_empty,
            "ListUsersResponse.Users.User.PermissionsBoundary": _never_return,
            "ListUsersResponse.Users.User.Tags": _never_return,
        }
    )
else:  # a moto with users' boundaries of its own, or changed handlers: run it as it is
    print("moto_server.py: IAM users' permissions boundaries patch not applied", file=sys.stderr)

# ---- IAM, STS, Organizations: throttling per account, a latency per call, and call counts ----
# moto answers every call at once, however many arrive. AWS throttles the control planes the bot
# paces, per account, and answers a throttled call with an error the SDKs retry. The errors common
# to AWS's APIs (IAM API Reference, https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html;
# the wording as on Organizations' own Common Errors page): "ThrottlingException: The request was
# denied due to request throttling. HTTP Status Code: 400" (the code on IAM's and STS's wire is
# "Throttling"); from AWS's knowledge center, "How do I resolve
# API throttling or "Rate exceeded" errors for IAM and AWS STS?"
# (https://repost.aws/knowledge-center/iam-sts-throttling-error): "My application gets an error
# message similar to "Throttling: Rate exceeded, status code: 400"", and "API calls from the AWS
# Management Console, the AWS Command Line Interface (AWS CLI), and applications contribute to a
# maximum rate quota for your AWS account." Organizations, in its API Reference (and botocore's
# model, no HTTP status of its own, so 400): "TooManyRequestsException: You have sent too many
# requests in too short a period of time. The quota helps protect against denial-of-service
# attacks. Try again later." (the message as reported from AWS in awslabs/aws-deployment-framework
# #781: "You have sent too many requests in too short a period of time. Try again later."; HTTP
# 400, not 429, per aws/aws-sdk-js#2135). AWS publishes no rates for these APIs, so the rate is the
# test's to set, and off by default: POST /moto-api/canary-bot/throttle with {"rate": 10, "burst":
# 10, "latency_ms": 40, "services": ["iam", "sts", "organizations"]} replaces the whole setting
# (a key left out is off; burst defaults to the rate, at least 1; services to all three); {"rate":
# 0} throttles nothing, and an empty body turns everything off. GET answers the setting. Each
# (service, account) has a token bucket, full at each POST, refilled at rate tokens a second up to
# burst; a call takes a token, or is answered, before moto runs it, with: IAM and STS (query
# protocol) <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate
# exceeded</Message></Error><RequestId>...</RequestId></ErrorResponse>, Organizations (JSON 1.1)
# {"__type": "TooManyRequestsException", "Message": "..."}, all HTTP 400; the AWS SDK for
# JavaScript v3 classifies both codes as throttling (@smithy's THROTTLING_ERROR_CODES), and
# retries them. The account is the request's, as moto resolves it (the x-moto-account-id header, or
# the access key's account: an assumed role's credentials are its account's). latency_ms delays
# every call of those services, throttled or not (IAM is served from us-east-1, far from most
# Lambdas). Every call of the three services is counted per (service, account, action), throttled
# ones too (and apart): GET /moto-api/canary-bot/calls answers {"calls": [{"service", "account",
# "action", "count", "throttled"}]}, DELETE clears them. /moto-api/reset clears neither the setting
# nor the counts. Not modelled: AWS's own rates (unpublished), per-action or per-region buckets.
import time as _time  # noqa: E402

from moto.core.responses import BaseResponse as _BaseResponse  # noqa: E402
from moto.organizations import responses as _org_responses  # noqa: E402

PACED_SERVICES = {
    "iam": _iam_responses.IamResponse,
    "sts": _sts_responses.TokenResponse,
    "organizations": _org_responses.OrganizationsResponse,
}
_QUERY_NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
ORGANIZATIONS_THROTTLED = "You have sent too many requests in too short a period of time. Try again later."
_pacing = {"rate": 0.0, "burst": 0.0, "latency_ms": 0.0, "services": frozenset()}
_buckets = {}  # (service, account) -> [tokens, when last refilled]
_calls = {}  # (service, account, action) -> [calls, throttled]
_pacing_lock = threading.Lock()


def _take_token(service, account, action):
    """Counts the call; True if it may run, False if it is throttled."""
    with _pacing_lock:
        counts = _calls.setdefault((service, account, action), [0, 0])
        counts[0] += 1
        if _pacing["rate"] <= 0 or service not in _pacing["services"]:
            return True
        now = _time.monotonic()
        bucket = _buckets.setdefault((service, account), [_pacing["burst"], now])
        bucket[0] = min(_pacing["burst"], bucket[0] + (now - bucket[1]) * _pacing["rate"])
        bucket[1] = now
        if bucket[0] >= 1:
            bucket[0] -= 1
            return True
        counts[1] += 1
        return False


def _throttled(self, service):
    headers = dict(self.response_headers, status=400)
    if service == "organizations":
        headers.update({"Content-Type": "application/x-amz-json-1.1", "X-Amzn-Errortype": "TooManyRequestsException"})
        body = json.dumps({"__type": "TooManyRequestsException", "Message": ORGANIZATIONS_THROTTLED})
    else:
        headers["Content-Type"] = "text/xml"
        body = (
            f'<ErrorResponse xmlns="{_QUERY_NAMESPACES[service]}"><Error><Type>Sender</Type><Code>Throttling</Code>'
            "<Message>Rate exceeded</Message></Error><RequestId>0</RequestId></ErrorResponse>"
        )
    headers, body = self._enrich_response(headers, body)
    return 400, headers, body


def _paced(call_action, service):
    @functools.wraps(call_action)
    def wrapper(self):
        # The tests' own reads of the account (the IAM check's facts: test/support/iam) are the
        # emulator's business, not the bot's: they neither pay into nor wait on the bucket.
        if self.headers.get("x-moto-unpaced"):
            return call_action(self)
        allowed = _take_token(service, self.current_account, self._get_action() or "")
        latency = _pacing["latency_ms"] if service in _pacing["services"] else 0
        if latency > 0:
            _time.sleep(latency / 1000)
        return call_action(self) if allowed else _throttled(self, service)

    return wrapper


def _number(body, key, default):
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{key}: a number, 0 or more")
    return float(value)


def set_pacing(request, full_url, headers):
    """POST /moto-api/canary-bot/throttle: IAM, STS and Organizations throttling and latency; GET reads it."""
    if request.method == "GET":
        return 200, {"Content-Type": "application/json"}, json.dumps(dict(_pacing, services=sorted(_pacing["services"])))
    try:
        text = request.get_data(as_text=True)
        body = json.loads(text) if text.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("a JSON object: rate, burst, latency_ms, services")
        rate = _number(body, "rate", 0)
        burst = _number(body, "burst", max(1.0, rate))
        if rate > 0 and burst < 1:
            raise ValueError("burst: at least 1")
        services = body.get("services", sorted(PACED_SERVICES))
        if not isinstance(services, list) or any(s not in PACED_SERVICES for s in services):
            raise ValueError(f"services: a list of {', '.join(sorted(PACED_SERVICES))}")
        latency_ms = _number(body, "latency_ms", 0)
    except ValueError as error:
        return 400, {"Content-Type": "application/json"}, json.dumps({"message": str(error)})
    with _pacing_lock:
        _pacing.update(rate=rate, burst=burst, latency_ms=latency_ms, services=frozenset(services))
        _buckets.clear()
    return 201, {}, ""


def counted_calls(request, full_url, headers):
    """GET /moto-api/canary-bot/calls: calls per (service, account, action); DELETE clears them."""
    with _pacing_lock:
        if request.method == "DELETE":
            _calls.clear()
            return 204, {}, ""
        calls = [
            {"service": s, "account": a, "action": x, "count": n, "throttled": t} for (s, a, x), (n, t) in sorted(_calls.items())
        ]
    return 200, {"Content-Type": "application/json"}, json.dumps({"calls": calls})


if "self.current_account = self.get_current_account()" in inspect.getsource(_BaseResponse.setup_class) and not any(
    "call_action" in vars(cls) for cls in PACED_SERVICES.values()
):
    for _service, _cls in PACED_SERVICES.items():
        _cls.call_action = _paced(_BaseResponse.call_action, _service)
    moto_api_urls.url_paths["{0}/moto-api/canary-bot/throttle"] = set_pacing
    moto_api_urls.url_paths["{0}/moto-api/canary-bot/calls"] = counted_calls
else:  # a moto that resolves accounts, or dispatches these services, differently: run it as it is
    print("moto_server.py: IAM, STS and Organizations throttling patch not applied", file=sys.stderr)

# ---- IAM: GetAccountAuthorizationDetails in pages ----
# moto returns every entity in one answer and ignores MaxItems and Marker. AWS pages it: from the
# IAM API reference, GetAccountAuthorizationDetails, MaxItems: "Use this only when paginating
# results to indicate the maximum number of items you want in the response. If additional items
# exist beyond the maximum you specify, the IsTruncated response element is true. If you do not
# include this parameter, the number of items defaults to 100." (Valid Range: 1 to 1000.) A bulk
# reader that ignores the marker passes here and misses users in AWS. Users (Filter=User, what the
# bot asks for) are paged as AWS pages them; a request for other entity types is left as moto has it.
AUTH_DETAILS_PAGE = 100


def _authorization_details_in_pages(get_details):
    @functools.wraps(get_details)
    def wrapper(self):
        wanted = self._get_param("Filter", [])
        if wanted != ["User"]:
            return get_details(self)
        size = self._get_param("MaxItems")
        if size is not None and not 1 <= int(size) <= LIST_USERS_MAX_ITEMS:
            raise _IamValidationError(f"1 validation error detected: Value '{size}' at 'maxItems' failed to satisfy constraint")
        size = int(size) if size is not None else AUTH_DETAILS_PAGE
        marker = self._get_param("Marker")
        if marker is not None and not str(marker).isdigit():
            raise _IamValidationError("Invalid Marker.")
        start = int(marker or 0)
        users = list(self.backend.get_account_authorization_details(wanted)["users"])
        result = {"UserDetailList": users[start : start + size], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
        result["IsTruncated"] = start + size < len(users)
        if result["IsTruncated"]:
            result["Marker"] = str(start + size)
        return _iam_responses.ActionResult(result)

    return wrapper


if '"IsTruncated": False' in inspect.getsource(_iam_handler.get_account_authorization_details):
    _iam_handler.get_account_authorization_details = _authorization_details_in_pages(_iam_handler.get_account_authorization_details)
else:
    print("moto_server.py: IAM GetAccountAuthorizationDetails paging not applied", file=sys.stderr)

# ---- Per-request overhead ----
# moto lists its own package directory (a listdir and a stat per service) on every request to
# route it, and werkzeug logs every request line: together about a tenth of the emulator's CPU
# in the test suite. The directory does not change while the server runs.
from moto import backends as _backends  # noqa: E402

_moto_modules = tuple(_backends.list_of_moto_modules())
_backends.list_of_moto_modules = lambda: _moto_modules
logging.getLogger("werkzeug").setLevel(logging.WARNING)

if __name__ == "__main__":
    sys.exit(main())
