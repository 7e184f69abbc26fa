// Grade pages of a running site with the MDN HTTP Observatory's own retriever, tests and scoring.
//
//   node .ci/observatory.mjs SCANNER_DIR HOST PATH...
//
// SCANNER_DIR is an installed @mdn/mdn-http-observatory. Its command-line scanner grades a host's
// front page only; this runs the same steps (retrieve, every test, the same score and grade) for
// each PATH. Prints one JSON object: {"<path>": {grade, score, tests: {name: {pass, result}}}}.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [scannerDir, host, ...paths] = process.argv.slice(2);
if (!scannerDir || !host || paths.length === 0) {
  console.error("usage: node observatory.mjs SCANNER_DIR HOST PATH...");
  process.exit(2);
}
const load = (file) => import(pathToFileURL(path.join(scannerDir, "src", file)).href);
const { retrieve } = await load("retriever/retriever.js");
const { ALL_TESTS, NUM_TESTS, ALGORITHM_VERSION } = await load("constants.js");
const { MINIMUM_SCORE_FOR_EXTRA_CREDIT } = await load("grader/charts.js");
const { getGradeForScore, getScoreModifier } = await load("grader/grader.js");

async function grade(pagePath) {
  const retrieved = await retrieve(host, { path: pagePath });
  if (!retrieved.responses.auto) {
    return { error: "the site did not answer" };
  }
  const { status } = retrieved.responses.auto;
  if (status < 200 || (status >= 400 && ![401, 403].includes(status))) {
    return { error: `unexpected HTTP status ${status}` };
  }
  // As the scanner's scan(): extra credit counts only once the score without it is an A.
  let withExtraCredit = 100;
  let uncurved = 100;
  let passed = 0;
  const tests = {};
  for (const test of ALL_TESTS) {
    const result = test(retrieved);
    const modifier = result.result ? getScoreModifier(result.result) : 0;
    withExtraCredit += modifier;
    if (modifier < 0) uncurved += modifier;
    if (result.pass) passed += 1;
    tests[result.constructor.name] = { pass: result.pass, result: result.result, modifier };
  }
  const final = getGradeForScore(
    uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? withExtraCredit : uncurved
  );
  return {
    status,
    grade: final.grade,
    score: final.score,
    testsPassed: passed,
    testsQuantity: NUM_TESTS,
    algorithmVersion: ALGORITHM_VERSION,
    tests,
  };
}

const report = {};
for (const pagePath of paths) {
  report[pagePath] = await grade(pagePath);
}
console.log(JSON.stringify(report, null, 2));
