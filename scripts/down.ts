/** `npm run down`: stops the metric sources and the simulated cluster, leaving no process behind. */
import { clusterScripts, run } from "./local/environment";
import { stopMetricSources } from "./local/metricSources";

stopMetricSources()
    .then(() => run("bash", [clusterScripts.down], process.env, { echo: true }).code)
    .then((code) => process.exit(code));
