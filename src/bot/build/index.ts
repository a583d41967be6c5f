export { BUILD_ACTIONS, SKIP_VIEW } from './build-action-ids.js';
export { type BuildDeps, BuildFlow, type BuildJobs, BuildRefusal, type MessageRef } from './build-flow.js';
export { registerBuildActions } from './register-build-actions.js';
export { progressBar, renderBuildMessage } from './render-build.js';
