import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, JsonPath, Parallel, Pass, Result, Succeed, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ASSET_SERVICE_UNAVAILABLE, ASSET_TYPES, type AssetType } from '../functions/core/handover.ts';
import { task } from './task.ts';
import { waitUntil } from './timer.ts';

export type HandoverFunctions = {
  transferAssets: IFunction;
  failAssetBatch: IFunction;
  finishHandover: IFunction;
};

const titled = (type: AssetType) => type[0]!.toUpperCase() + type.slice(1);

/**
 * One branch per asset type: a transfer call per batch until the type is done. A batch whose
 * retries run out (the asset service stays down) has its assets recorded failed, and the branch
 * goes on with the next batch, so one bad batch never sinks the handover.
 */
const transferBranch = (scope: Construct, type: AssetType, fns: HandoverFunctions): IChainable => {
  const name = titled(type);
  const failed = new Fail(scope, `${name}BranchFailed`, { error: 'TransferBranchFailed' });
  const batch = { corpId: '$.corpId', handoverId: '$.handoverId', assetType: type, cursor: '$.page.cursor' };
  const giveUp = task(scope, `Fail${name}Batch`, fns.failAssetBatch, { ...batch, error: '$.error' }, '$.page', failed);
  const transfer = task(scope, `Transfer${name}Batch`, fns.transferAssets, batch, '$.page', giveUp, {
    throttling: [ASSET_SERVICE_UNAVAILABLE, 'Lambda.TooManyRequestsException'],
  });
  const more = new Choice(scope, `More${name}Assets`)
    .when(Condition.booleanEquals('$.page.done', true), new Succeed(scope, `${name}Done`))
    .otherwise(transfer);
  giveUp.next(more);
  return transfer.next(more);
};

/**
 * The transfer: docs, drive and calendar in parallel branches, then the count, the report and
 * the close. Finishing that runs out of retries closes the handover `failed` without its report,
 * so it never stays `running`. Input: { corpId, handoverId } (more fields pass through).
 */
export const transferChain = (scope: Construct, fns: HandoverFunctions): IChainable => {
  const failed = new Fail(scope, 'HandoverFailed', { error: 'HandoverFailed' });
  const closeUnfinished = task(
    scope,
    'CloseUnfinishedHandover',
    fns.finishHandover,
    { corpId: '$.corpId', handoverId: '$.handoverId', error: '$.error', unfinished: 'true' },
    '$.finish',
    failed,
  );
  closeUnfinished.next(failed);
  const finishFailed = task(
    scope,
    'FinishBrokenHandover',
    fns.finishHandover,
    { corpId: '$.corpId', handoverId: '$.handoverId', error: '$.error' },
    '$.finish',
    closeUnfinished,
  ).next(failed);
  const parallel = new Parallel(scope, 'TransferAssets', { resultPath: JsonPath.DISCARD });
  for (const type of ASSET_TYPES) parallel.branch(transferBranch(scope, type, fns));
  parallel.addCatch(finishFailed, { resultPath: '$.error' });
  const start = new Pass(scope, 'StartTransfer', { result: Result.fromObject({ cursor: null, done: false }), resultPath: '$.page' });
  const finish = task(scope, 'FinishHandover', fns.finishHandover, { corpId: '$.corpId', handoverId: '$.handoverId' }, '$.finish', closeUnfinished);
  return start.next(parallel).next(finish).next(new Succeed(scope, 'HandoverFinished'));
};

/** An admin's handover. Input: { corpId, handoverId }. */
export const handoverDefinition = (scope: Construct, fns: HandoverFunctions) =>
  DefinitionBody.fromChainable(transferChain(scope, fns));

/**
 * Started by `employee.departed`: decide auto or manual and resolve the recipient, then, for an
 * automatic handover, run the transfer. Input: { corpId, memberId, handoverId }. A departure HR
 * announced for a later date comes as { corpId, memberId, departAt, scheduleId }: wait until
 * `departAt`, apply it only if that schedule still stands (not cancelled, not rescheduled), then go
 * on as above with the handover id the apply step minted.
 */
export const departureDefinition = (
  scope: Construct,
  fns: HandoverFunctions & { planDepartureHandover: IFunction; checkDue: IFunction; applyScheduledDeparture: IFunction },
) => {
  const failed = new Fail(scope, 'DepartureFailed', { error: 'DepartureFailed' });
  const plan = task(
    scope,
    'PlanHandover',
    fns.planDepartureHandover,
    // The execution's own name is recorded with the handover, for the sweeper to look it up.
    { corpId: '$.corpId', memberId: '$.memberId', handoverId: '$.handoverId', executionName: '$$.Execution.Name' },
    '$.plan',
    failed,
  );
  plan.next(
    new Choice(scope, 'IsHandoverAutomatic')
      .when(Condition.booleanEquals('$.plan.transfer', true), transferChain(scope, fns))
      .otherwise(new Succeed(scope, 'LeftToAdmin')),
  );
  const apply = task(
    scope,
    'ApplyScheduledDeparture',
    fns.applyScheduledDeparture,
    { corpId: '$.corpId', memberId: '$.memberId', scheduleId: '$.scheduleId' },
    '$.departure',
    failed,
  );
  // From here on the state is what an immediate departure starts with.
  const asDeparted = new Pass(scope, 'DepartedAsScheduled', {
    parameters: { corpId: JsonPath.stringAt('$.corpId'), memberId: JsonPath.stringAt('$.memberId'), handoverId: JsonPath.stringAt('$.departure.handoverId') },
  });
  apply.next(
    new Choice(scope, 'IsDepartureApplied')
      .when(Condition.booleanEquals('$.departure.applied', true), asDeparted.next(plan))
      .otherwise(new Succeed(scope, 'DepartureCancelled')),
  );
  const scheduled = waitUntil(scope, 'Departure', '$.departAt', fns.checkDue, failed, apply);
  return DefinitionBody.fromChainable(
    new Choice(scope, 'IsDepartureScheduled').when(Condition.isPresent('$.scheduleId'), scheduled).otherwise(plan),
  );
};
