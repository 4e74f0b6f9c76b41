// One plan in its own process; prints its peak memory and resource count as JSON.
// The parent times the whole process, since loading the program is most of a plan's cost.
import { planStack } from "../../tools/plan/plan";

const [stackFile, programPath] = process.argv.slice(2);
planStack(stackFile, programPath).then((plan) => {
  process.stdout.write(
    JSON.stringify({
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      resources: plan.resources.length,
    }),
  );
});
