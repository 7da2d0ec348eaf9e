import {
  getNamedType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
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
  /**
   * Most steps the walk may take (a step: one selection read, one merged field, one field costed).
   * Past it the walk stops and the result is `complete: false`. Default DEFAULT_MAX_COST_NODES.
   */
  maxNodes?: number;
}

export interface QueryCostMeasure {
  /** Jobber's requested cost (capped at Number.MAX_SAFE_INTEGER); only meaningful when `complete`. */
  cost: number;
  /** False when the walk hit `maxNodes` (or the nesting limit) before it finished. */
  complete: boolean;
  /** Why an incomplete walk stopped: out of steps, or selections nested deeper than MAX_COST_DEPTH. */
  stoppedBy?: 'steps' | 'depth';
  /** Steps taken: linear in the document's size, whatever its fragments and aliases. */
  nodesWalked: number;
}

/** Default walk budget: a normal query takes tens to a few hundred steps; a walk cut off here took about 15 ms of CPU (2-core CI machine). */
export const DEFAULT_MAX_COST_NODES = 20_000;
/** Selection sets nested deeper than this stop the walk (graphql-js' parser itself overflows near 2000). */
export const MAX_COST_DEPTH = 1500;
/** What a connection without `first`/`last` counts as (JOBBER.md). */
const DEFAULT_CONNECTION_SIZE = 100;
/** Fields that only wrap a connection's items: they cost nothing themselves. */
const FREE_FIELDS = new Set(['edges', 'nodes', 'node']);

/**
 * Jobber's requested query cost (JOBBER.md "Rate limits"): every field costs 1; `edges`, `nodes`
 * and `node` cost 0; a connection costs `first` (or `last`) times the cost of its selection, 100
 * when neither is given; nested connections multiply. Meta fields (`__typename`, introspection)
 * cost 0. Leaf fields reached through several fragments under one response key count once; a field
 * with a selection reached N times counts its selection N times.
 *
 * Pure, and linear in the document (see measureQueryCost). An operation that cannot be chosen costs
 * 0 (execution reports the error); a walk that did not complete returns Number.MAX_SAFE_INTEGER.
 */
export function estimateQueryCost(schema: GraphQLSchema, document: DocumentNode, options: QueryCostOptions = {}): number {
  const measured = measureQueryCost(schema, document, options);
  return measured.complete ? measured.cost : Number.MAX_SAFE_INTEGER;
}

/**
 * The cost with how much walking it took. Each selection set's fields are collected once (fragments
 * included, type conditions ignored: an estimate covers every branch) and each (selection set, parent
 * type) is costed once, so a fragment spread twice per level for 24 levels is walked 24 times, not 2^24.
 * Repeats are kept as counts (a field with its multiplicity), which keeps the result identical to
 * walking every spread again.
 */
export function measureQueryCost(schema: GraphQLSchema, document: DocumentNode, options: QueryCostOptions = {}): QueryCostMeasure {
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
  if (!operation) return { cost: 0, complete: true, nodesWalked: 0 };

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
  const walker = new CostWalker(fragments, variables, options.maxNodes ?? DEFAULT_MAX_COST_NODES);
  try {
    const cost = walker.costOfSelectionSet(rootType ?? undefined, operation.selectionSet, 0);
    return { cost: Math.min(cost, Number.MAX_SAFE_INTEGER), complete: true, nodesWalked: walker.steps };
  } catch (error) {
    if (error !== STEP_LIMIT && error !== DEPTH_LIMIT) throw error;
    return { cost: 0, complete: false, stoppedBy: error === STEP_LIMIT ? 'steps' : 'depth', nodesWalked: walker.steps };
  }
}

/** Thrown (and caught above) when the walk runs out of steps or depth. */
const STEP_LIMIT = Symbol('step limit');
const DEPTH_LIMIT = Symbol('depth limit');

/** Fields of one selection set by response key; each field node with how many times it was reached. */
type CollectedFields = Map<string, Map<FieldNode, number>>;

class CostWalker {
  steps = 0;
  private readonly collected = new Map<SelectionSetNode, CollectedFields>();
  private readonly fragmentFields = new Map<string, CollectedFields>();
  /** Fragments being collected: a spread of one of them is a cycle (invalid GraphQL) and adds nothing. */
  private readonly collecting = new Set<string>();
  /** Cost per selection set and parent type name ('' = unknown to the schema); -1 while being costed. */
  private readonly costs = new Map<SelectionSetNode, Map<string, number>>();

  constructor(
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly maxNodes: number,
  ) {}

  private step(): void {
    if (this.steps >= this.maxNodes) throw STEP_LIMIT;
    this.steps++;
  }

  costOfSelectionSet(parentType: GraphQLNamedType | undefined, selectionSet: SelectionSetNode, depth: number): number {
    if (depth > MAX_COST_DEPTH) throw DEPTH_LIMIT;
    const typeKey = parentType?.name ?? '';
    let byType = this.costs.get(selectionSet);
    const known = byType?.get(typeKey);
    // -1: this selection set is already being costed further up (a fragment cycle); it adds nothing here.
    if (known !== undefined) return Math.max(known, 0);
    if (!byType) this.costs.set(selectionSet, (byType = new Map()));
    byType.set(typeKey, -1);
    let total = 0;
    for (const fields of this.collect(selectionSet).values()) total += this.costOfField(parentType, fields, depth);
    byType.set(typeKey, total);
    return total;
  }

  private costOfField(parentType: GraphQLNamedType | undefined, fields: Map<FieldNode, number>, depth: number): number {
    this.step();
    const first = fields.keys().next().value as FieldNode;
    const name = first.name.value;
    if (name.startsWith('__')) return 0;
    const definition =
      parentType && (isObjectType(parentType) || isInterfaceType(parentType)) ? parentType.getFields()[name] : undefined;
    const fieldType = definition ? getNamedType(definition.type) : undefined;

    let childCost = 0;
    for (const [field, times] of fields) {
      if (field.selectionSet) childCost += times * this.costOfSelectionSet(fieldType, field.selectionSet, depth + 1);
    }
    if (FREE_FIELDS.has(name)) return childCost;
    if (isConnection(fieldType, first)) return this.connectionSize(first) * childCost;
    return 1 + childCost;
  }

  /** Like graphql-js' collectFields, but ignoring type conditions (an estimate must cover every branch). */
  private collect(selectionSet: SelectionSetNode): CollectedFields {
    const cached = this.collected.get(selectionSet);
    if (cached) return cached;
    const into: CollectedFields = new Map();
    for (const selection of selectionSet.selections) {
      this.step();
      if (!this.isIncluded(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        this.add(into, selection.alias?.value ?? selection.name.value, selection, 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        this.mergeInto(into, this.collect(selection.selectionSet));
      } else {
        const fields = this.collectFragment(selection.name.value);
        if (fields) this.mergeInto(into, fields);
      }
    }
    this.collected.set(selectionSet, into);
    return into;
  }

  private collectFragment(name: string): CollectedFields | undefined {
    const cached = this.fragmentFields.get(name);
    if (cached) return cached;
    const fragment = this.fragments.get(name);
    if (!fragment || this.collecting.has(name)) return undefined;
    this.collecting.add(name);
    const fields = this.collect(fragment.selectionSet);
    this.collecting.delete(name);
    this.fragmentFields.set(name, fields);
    return fields;
  }

  private mergeInto(into: CollectedFields, from: CollectedFields): void {
    for (const [key, fields] of from) for (const [field, times] of fields) this.add(into, key, field, times);
  }

  private add(into: CollectedFields, key: string, field: FieldNode, times: number): void {
    this.step();
    let fields = into.get(key);
    if (!fields) into.set(key, (fields = new Map()));
    fields.set(field, (fields.get(field) ?? 0) + times);
  }

  private connectionSize(field: FieldNode): number {
    for (const wanted of ['first', 'last']) {
      const arg = field.arguments?.find((a) => a.name.value === wanted);
      if (!arg) continue;
      const value = this.valueOf(arg.value);
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
    }
    return DEFAULT_CONNECTION_SIZE;
  }

  private isIncluded(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const ifArg = directive.arguments?.find((a) => a.name.value === 'if');
      if (!ifArg) continue;
      const condition = this.valueOf(ifArg.value) === true;
      if (directive.name.value === 'skip' && condition) return false;
      if (directive.name.value === 'include' && !condition) return false;
    }
    return true;
  }

  private valueOf(node: ValueNode): unknown {
    return valueFromASTUntyped(node, this.variables);
  }
}

function isConnection(fieldType: GraphQLNamedType | undefined, field: FieldNode): boolean {
  if (fieldType) return isObjectType(fieldType) && fieldType.name.endsWith('Connection');
  // Unknown to the schema: judge by the arguments a connection takes.
  return (field.arguments ?? []).some((arg) => arg.name.value === 'first' || arg.name.value === 'last');
}
