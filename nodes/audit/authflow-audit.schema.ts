import { NodeSchema } from '../shared/schema';

/** authflow-audit: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-audit',
  version: 1,
  properties: {
    name: { default: '' },
    /** Whose decisions: every node of the workspace, this node's flow (tab), or the nodes listed in `sources`. */
    scope: { default: 'all', choices: ['all', 'tab', 'selected'] },
    /** Node ids, comma-separated (scope "selected"). */
    sources: { default: '', required: true, when: { field: 'scope', is: ['selected'] }, message: 'select at least one node' },
    /** Which decisions: all, only refusals, only successes. */
    outcomes: { default: 'all', choices: ['all', 'deny', 'allow'] },
    /** msg.payload as the package's event, an Elastic ECS document or an OCSF Authentication (3002) event. */
    format: { default: 'event', choices: ['event', 'ecs', 'ocsf'] },
    /** Events waiting for a slow flow before new ones are dropped (counted in the status). */
    bufferSize: { default: 1000, rule: 'positiveWholeOrBlank' },
  },
  migrations: [(c) => c], // 0 → 1: configVersion introduced with the node
};
