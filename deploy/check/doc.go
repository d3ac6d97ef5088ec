// Package check validates the deployment files in deploy/ without a
// container engine or a cluster; `make deploy-check` runs it. It is its own
// module so that the Kubernetes API types and the Compose loader stay out of
// the server's go.mod.
//
//   - manifests_test.go decodes every manifest in deploy/k8s strictly into the
//     Kubernetes API types of its apiVersion and kind (unknown or
//     misspelled fields, wrong types and duplicate keys fail), then checks
//     what the API server would refuse or what would break cocreate: names
//     and labels, selectors against pod labels, probe ports and paths,
//     resources, the non-root read-only security context, the ConfigMap
//     and Secret the pods read, and every COCREATE_* key against the flags
//     of `cocreate serve`.
//     It also loads deploy/compose.yaml with compose-go, the loader
//     and schema of `docker compose config`, and checks the instances, their
//     settings and the load balancer.
//   - nginx_test.go runs `nginx -t` on deploy/nginx.conf with the upstreams
//     pointed at cocreate servers started by the test, then starts nginx
//     and syncs documents through it over WebSockets.
//   - dockerfile_test.go checks the Dockerfile's settings against the flags.
package check
