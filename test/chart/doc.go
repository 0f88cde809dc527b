// Package chart tests the installation artefacts: the Helm chart in
// charts/onlinemeeting-operator, the kustomize bases in config/ and the
// example meetings chart in docs/examples. It is a module of its own so
// that Helm and the kustomize API never enter the operator's go.mod.
package chart
