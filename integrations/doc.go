// Package integrations groups the integrations that feed runs: TensorBoard
// event sync, gym-style video capture, GoMLX and Gorgonia training-loop
// hooks and OpenAI call logging, each in its own subpackage behind the
// plugin contract. See docs/ARCHITECTURE.md.
package integrations
