"""What a GraphQL query may ask for: depth, aliases, tokens, page sizes and cost, checked
before anything resolves."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_object_type,
)

# Nesting deeper than this is refused. Depth counts as strawberry counts it (a root field is
# at 0): the deepest query that does not go round a cycle, company{roles{candidates{items{
# genome}}}}, reaches 4. Role.company makes the graph cyclic: without a bound, one request
# could nest without end.
MAX_DEPTH = 4
# Aliases let one query ask for the same expensive field many times over.
MAX_ALIASES = 15
# Bounds the parser's work before any rule runs (the standard introspection query is ~170).
MAX_TOKENS = 1_000
# Role.candidates(first:) at most, and its default; the REST feed allows up to 200 a page,
# GraphQL fewer because one query can page every role at once.
MAX_FIRST = 100
DEFAULT_FIRST = 50
# What an unpaged list of objects (Company.roles, DNAProfile.cultureDNA, ...) is assumed to
# hold when estimating cost: they are short in practice, and the estimate must not depend
# on the data.
DEFAULT_LIST_SIZE = 20
# The most a query may cost: each field 1, a list's selections times its page size.
MAX_COST = 5_000


def _page_size(node: FieldNode, field: Any) -> int | None:
    """The ``first`` a field asks for, counted between 1 and MAX_FIRST: its literal value,
    MAX_FIRST for a variable (not known when validating), the argument's default when left
    out; None: no such argument. Clamped because a negative literal would make the cost
    negative and pay for expensive siblings (the resolver refuses it, but only later)."""
    if "first" not in field.args:
        return None
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return min(max(int(argument.value.value), 1), MAX_FIRST)
            if isinstance(argument.value, VariableNode):
                return MAX_FIRST
            return None  # a wrong literal: the schema's own rules refuse it
    default = field.args["first"].default_value
    return default if isinstance(default, int) else MAX_FIRST


class QueryCost(ValidationRule):
    """Refuse an operation whose estimated cost exceeds MAX_COST.

    Each field costs 1. A list of objects multiplies its selections by its page size: the
    ``first`` of the field that pages it (itself, or the page-returning field above it, as
    Role.candidates for its items), else DEFAULT_LIST_SIZE. Introspection is free (the token
    limit bounds it).
    """

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        cost = self._selections(node.selection_set, root, None, frozenset())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"The query costs {cost:,}, more than the limit of {MAX_COST:,} (each "
                    "field 1, a list's fields times its page size: ask for fewer fields "
                    "or smaller pages).",
                    node,
                    extensions={"code": "too_costly", "cost": cost, "limit": MAX_COST},
                )
            )

    def _selections(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        page: int | None,
        fragments: frozenset[str],
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page, fragments)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.context.schema.get_type(condition.name.value) if condition else parent
                if is_object_type(kind):
                    total += self._selections(selection.selection_set, kind, page, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in fragments:  # unknown or a cycle: other rules
                    continue
                kind = self.context.schema.get_type(fragment.type_condition.name.value)
                if is_object_type(kind):
                    total += self._selections(
                        fragment.selection_set, kind, page, fragments | {name}
                    )
        return total

    def _field(
        self, node: FieldNode, parent: GraphQLObjectType, page: int | None, fragments: frozenset
    ) -> int:
        name = node.name.value
        field = parent.fields.get(name)
        if name.startswith("__") or field is None:
            return 0
        size = _page_size(node, field)
        if size is not None:
            page = size
        if node.selection_set is None:
            return 1
        kind = get_named_type(field.type)
        if not is_object_type(kind):
            return 1
        if is_list_type(get_nullable_type(field.type)):
            times = page if page is not None else DEFAULT_LIST_SIZE
            return 1 + times * self._selections(node.selection_set, kind, None, fragments)
        return 1 + self._selections(node.selection_set, kind, page, fragments)
