import { errorText } from '../bot/errors';
import { runSmoke } from './smoke/run';

// `npm run smoke`, right after deploying (README, Deploying); the logic is in scripts/smoke/.
runSmoke(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`smoke: ${errorText(err)}`);
    process.exit(2);
  },
);
