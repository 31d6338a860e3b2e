// Logs one run with W&B's JavaScript SDK (@wandb/sdk) to the server in
// WANDB_BASE_URL with WANDB_API_KEY: a config, a few history rows (one of
// them built from two log calls with commit false) and a summary value,
// then finishes. The Go test reads the run back from the server's store.
import wandb from '@wandb/sdk';

const id = process.env.RUN_ID;
const run = await wandb.init({
  project: 'js-proj',
  id,
  name: 'from-js',
  config: { lr: 0.01, layers: [64, 32], opt: { name: 'adam' } },
});
for (let i = 0; i < 3; i++) {
  run.log({ loss: 1 / (i + 1), acc: i * 0.25 });
}
run.log({ part: 1 }, undefined, false);
run.log({ loss: 0.1, nested: { x: 7 } });
await run.finish();
console.log(`logged run ${run.entity}/${run.project}/${run.id}`);
