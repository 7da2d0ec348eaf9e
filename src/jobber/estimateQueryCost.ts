import {
  getNamedType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface QueryCostOptions {
  /** The request's variables (used for `first`/`last` and `@skip`/`@include`). */
  variables?: Record<string, unknown> | null;
  /** Which operation of the document runs; optional when it holds exactly one. */
  operationName?: string | null;
}

/** What a connection without `first`/`last` counts as (JOBBER.md). */
const DEFAULT_CONNECTION_SIZE = 100;
/** Fields that only wrap a connection's items: they cost nothing themselves. */
const FREE_FIELDS = new Set(['edges', 'nodes', 'node']);

/**
 * Jobber's requested query cost (JOBBER.md "Rate limits"): every field costs 1; `edges`, `nodes`
 * and `node` cost 0; a connection costs `first` (or `last`) times the cost of its selection, 100
 * when neither is given; nested connections multiply. Meta fields (`__typename`, introspection)
 * cost 0. Fields reached through several fragments under one response key count once.
 *
 * Pure and cheap (one walk of the document, no validation): the sandbox and the gateway's rate
 * limiter both call it per request. An operation that cannot be chosen costs 0 (execution will
 * report the error).
 */
export function estimateQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  options: QueryCostOptions = {},
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = options.operationName
    ? operations.find((op) => op.name?.value === options.operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) return 0;

  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variables[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  Object.assign(variables, options.variables ?? {});

  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  const walker = { schema, fragments, variables };
  return costOfSelectionSet(walker, rootType ?? undefined, operation.selectionSet, new Set());
}

interface Walker {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function costOfSelectionSet(
  walker: Walker,
  parentType: GraphQLNamedType | undefined,
  selectionSet: SelectionSetNode,
  visitedFragments: Set<string>,
): number {
  const fieldsByKey = new Map<string, FieldNode[]>();
  collectFields(walker, selectionSet, fieldsByKey, visitedFragments);
  let total = 0;
  for (const fields of fieldsByKey.values()) total += costOfField(walker, parentType, fields, visitedFragments);
  return total;
}

/** Like graphql-js' collectFields, but ignoring type conditions (an estimate must cover every branch). */
function collectFields(
  walker: Walker,
  selectionSet: SelectionSetNode,
  fieldsByKey: Map<string, FieldNode[]>,
  visitedFragments: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!isIncluded(walker, selection.directives)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const list = fieldsByKey.get(key);
      if (list) list.push(selection);
      else fieldsByKey.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectFields(walker, selection.selectionSet, fieldsByKey, visitedFragments);
    } else {
      const name = selection.name.value;
      const fragment = walker.fragments.get(name);
      // A fragment cycle is invalid GraphQL; refusing to recurse keeps the estimate finite.
      if (!fragment || visitedFragments.has(name)) continue;
      const inner = new Set(visitedFragments).add(name);
      collectFields(walker, fragment.selectionSet, fieldsByKey, inner);
    }
  }
}

function costOfField(
  walker: Walker,
  parentType: GraphQLNamedType | undefined,
  fields: FieldNode[],
  visitedFragments: Set<string>,
): number {
  const first = fields[0];
  if (!first) return 0;
  const name = first.name.value;
  if (name.startsWith('__')) return 0;
  const definition =
    parentType && (isObjectType(parentType) || isInterfaceType(parentType)) ? parentType.getFields()[name] : undefined;
  const fieldType = definition ? getNamedType(definition.type) : undefined;

  let childCost = 0;
  for (const field of fields) {
    if (field.selectionSet) childCost += costOfSelectionSet(walker, fieldType, field.selectionSet, visitedFragments);
  }
  if (FREE_FIELDS.has(name)) return childCost;
  if (isConnection(fieldType, first)) return connectionSize(walker, first) * childCost;
  return 1 + childCost;
}

function isConnection(fieldType: GraphQLNamedType | undefined, field: FieldNode): boolean {
  if (fieldType) return isObjectType(fieldType) && fieldType.name.endsWith('Connection');
  // Unknown to the schema: judge by the arguments a connection takes.
  return (field.arguments ?? []).some((arg) => arg.name.value === 'first' || arg.name.value === 'last');
}

function connectionSize(walker: Walker, field: FieldNode): number {
  for (const wanted of ['first', 'last']) {
    const arg = field.arguments?.find((a) => a.name.value === wanted);
    if (!arg) continue;
    const value = valueOf(walker, arg.value);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  }
  return DEFAULT_CONNECTION_SIZE;
}

function isIncluded(walker: Walker, directives: FieldNode['directives']): boolean {
  for (const directive of directives ?? []) {
    const ifArg = directive.arguments?.find((a) => a.name.value === 'if');
    if (!ifArg) continue;
    const condition = valueOf(walker, ifArg.value) === true;
    if (directive.name.value === 'skip' && condition) return false;
    if (directive.name.value === 'include' && !condition) return false;
  }
  return true;
}

function valueOf(walker: Walker, node: ValueNode): unknown {
  return valueFromASTUntyped(node, walker.variables);
}
