/**
 * Reads what the local stack needs from the synthesised CloudFormation template, so that tables,
 * functions, routes and state machines are declared once, in the CDK code.
 */
export type CfnResource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> };
export type CfnTemplate = { Resources: Record<string, CfnResource> };

/** Function logical id referenced by a template expression (`Fn::GetAtt [Id, Arn]` or `Ref Id`). */
export const referencedId = (expression: unknown): string | null => {
  if (!expression || typeof expression !== 'object') return null;
  const e = expression as Record<string, unknown>;
  if (Array.isArray(e['Fn::GetAtt'])) return String(e['Fn::GetAtt'][0]);
  if (typeof e.Ref === 'string') return e.Ref;
  return null;
};

/** The ASL of a state machine, with every function reference replaced by `resolve(logicalId)`. */
export const stateMachineDefinition = (resource: CfnResource, resolve: (logicalId: string) => string) => {
  const body = resource.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1]
          .map((part) => {
            if (typeof part === 'string') return part;
            const id = referencedId(part);
            if (!id) throw new Error(`Unsupported expression in a definition: ${JSON.stringify(part)}`);
            return resolve(id);
          })
          .join(body['Fn::Join'][0]);
  return JSON.parse(text) as { QueryLanguage?: string; States: Record<string, Record<string, any>>; StartAt: string };
};

export const resourcesOfType = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

type States = Record<string, Record<string, any>>;

/** Every state of a definition, including those inside Parallel branches and Map processors. */
export const allStates = (states: States): [string, Record<string, any>][] =>
  Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, Record<string, any>],
    ...(state.Branches ?? []).flatMap((b: { States: States }) => allStates(b.States)),
    ...(state.ItemProcessor ?? state.Iterator ? allStates((state.ItemProcessor ?? state.Iterator).States) : []),
  ]);
