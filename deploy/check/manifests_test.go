package check

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// manifests is every object of deploy/k8s, decoded.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	secrets     []*corev1.Secret
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
}

// newObject returns an empty object of a supported apiVersion and kind.
func (m *manifests) newObject(apiVersion, kind string) (any, error) {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return added(&m.deployments)
	case "v1 Service":
		return added(&m.services)
	case "v1 ConfigMap":
		return added(&m.configMaps)
	case "v1 Secret":
		return added(&m.secrets)
	case "policy/v1 PodDisruptionBudget":
		return added(&m.pdbs)
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return added(&m.hpas)
	}
	return nil, fmt.Errorf("apiVersion %q kind %q is not one this check knows (or not served by current Kubernetes)", apiVersion, kind)
}

// added appends a new empty object to list and returns it for decoding.
func added[T any](list *[]*T) (any, error) {
	o := new(T)
	*list = append(*list, o)
	return o, nil
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

// decode adds the objects of one YAML file, strictly decoded.
func (m *manifests) decode(name string, data []byte) error {
	for i, doc := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return fmt.Errorf("%s document %d: %w", name, i, err)
		}
		obj, err := m.newObject(tm.APIVersion, tm.Kind)
		if err != nil {
			return fmt.Errorf("%s document %d: %w", name, i, err)
		}
		// Unknown fields, wrong types and duplicate keys are errors.
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return fmt.Errorf("%s document %d (%s): %w", name, i, tm.Kind, err)
		}
	}
	return nil
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func loadManifests(t *testing.T, dirs ...string) *manifests {
	t.Helper()
	m := &manifests{}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no manifests in %s: %v", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.decode(f, data); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m
}

// TestStrictDecodeCatchesMistakes shows that the decoding used below
// refuses the mistakes it is meant to catch.
func TestStrictDecodeCatchesMistakes(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"misspelled field", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 3\n", `unknown field "replica"`},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: three\n", "cannot unmarshal"},
		{"duplicate key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: a, A: b}\n", "already set"},
		{"removed version", "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\n", "not one this check knows"},
		{"bad quantity", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        resources: {requests: {cpu: lots}}\n", "quantities must match"},
	} {
		err := (&manifests{}).decode(tc.name, []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join(deployDir(t), "k8s")
	m := loadManifests(t, dir, filepath.Join(dir, "example"))
	if len(m.deployments) != 1 || len(m.services) != 1 || len(m.configMaps) != 1 || len(m.secrets) != 1 || len(m.pdbs) != 1 || len(m.hpas) != 1 {
		t.Fatalf("want one Deployment, Service, ConfigMap, Secret, PodDisruptionBudget and HorizontalPodAutoscaler; got %d %d %d %d %d %d",
			len(m.deployments), len(m.services), len(m.configMaps), len(m.secrets), len(m.pdbs), len(m.hpas))
	}
	for _, o := range []metav1.Object{m.deployments[0], m.services[0], m.configMaps[0], m.secrets[0], m.pdbs[0], m.hpas[0]} {
		checkMeta(t, o)
	}
	d := m.deployments[0]
	pod := checkDeployment(t, d)
	env := checkEnvSources(t, m, &d.Spec.Template.Spec)
	cfg := checkEnv(t, "ConfigMap and Secret", env)
	// The Redis bus and the PostgreSQL store are refused by Validate until
	// they land; everything else must be valid as given.
	cfg.Redis, cfg.Postgres = "", ""
	if err := cfg.Validate(); err != nil {
		t.Errorf("settings of the ConfigMap and Secret: %v", err)
	}
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= cfg.ShutdownTimeout {
		t.Errorf("terminationGracePeriodSeconds %v is not longer than the shutdown timeout %v: pods would be killed mid-drain", g, cfg.ShutdownTimeout)
	}
	if env["COCREATE_POSTGRES"] == "" && *d.Spec.Replicas > 1 {
		t.Errorf("%d replicas without COCREATE_POSTGRES would each keep their own notes", *d.Spec.Replicas)
	}
	if env["COCREATE_REDIS"] == "" && *d.Spec.Replicas > 1 {
		t.Errorf("%d replicas without COCREATE_REDIS would not see each other's edits", *d.Spec.Replicas)
	}
	port := containerPort(t, &d.Spec.Template.Spec.Containers[0], intstr.FromString("http"))
	if !strings.HasSuffix(env["COCREATE_ADDR"], fmt.Sprintf(":%d", port)) || !strings.HasPrefix(env["COCREATE_ADDR"], "0.0.0.0:") {
		t.Errorf("COCREATE_ADDR %q: want 0.0.0.0:%d, the container port, on all interfaces", env["COCREATE_ADDR"], port)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if !slices.ContainsFunc(c.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == env["COCREATE_DATA"] }) {
		t.Errorf("COCREATE_DATA %q is not a mounted volume, and the root file system is read-only", env["COCREATE_DATA"])
	}

	s := m.services[0]
	if !labels.SelectorFromSet(s.Spec.Selector).Matches(pod) || len(s.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the pods (%v)", s.Spec.Selector, pod)
	}
	for _, p := range s.Spec.Ports {
		containerPort(t, &c, p.TargetPort)
	}

	pdb := m.pdbs[0]
	checkSelector(t, "PodDisruptionBudget", pdb.Spec.Selector, pod)
	if (pdb.Spec.MinAvailable == nil) == (pdb.Spec.MaxUnavailable == nil) {
		t.Errorf("PodDisruptionBudget: set exactly one of minAvailable and maxUnavailable")
	}
	if mu := pdb.Spec.MaxUnavailable; mu != nil && (mu.IntValue() < 1 || mu.IntValue() >= int(*d.Spec.Replicas)) {
		t.Errorf("PodDisruptionBudget maxUnavailable %s: want 1 to replicas-1", mu)
	}

	h := m.hpas[0]
	ref := h.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HorizontalPodAutoscaler scales %s %s %q, want the Deployment %q", ref.APIVersion, ref.Kind, ref.Name, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || *h.Spec.MinReplicas > h.Spec.MaxReplicas || *h.Spec.MinReplicas > *d.Spec.Replicas {
		t.Errorf("HorizontalPodAutoscaler replicas %v..%d: want 1 <= min <= replicas (%d), min <= max", h.Spec.MinReplicas, h.Spec.MaxReplicas, *d.Spec.Replicas)
	}
	if len(h.Spec.Metrics) == 0 {
		t.Error("HorizontalPodAutoscaler has no metrics")
	}
	for _, mt := range h.Spec.Metrics {
		if mt.Type != autoscalingv2.ResourceMetricSourceType || mt.Resource == nil {
			t.Errorf("HorizontalPodAutoscaler metric %s: only Resource metrics are checked here", mt.Type)
			continue
		}
		if mt.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
			if _, ok := c.Resources.Requests[mt.Resource.Name]; !ok {
				t.Errorf("HorizontalPodAutoscaler scales on %s utilization, but the container requests no %s", mt.Resource.Name, mt.Resource.Name)
			}
		}
	}
}

func checkMeta(t *testing.T, o metav1.Object) {
	t.Helper()
	for _, e := range validation.IsDNS1123Subdomain(o.GetName()) {
		t.Errorf("name %q: %s", o.GetName(), e)
	}
	for k, v := range o.GetLabels() {
		for _, e := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			t.Errorf("%s label %s=%s: %s", o.GetName(), k, v, e)
		}
	}
}

func checkSelector(t *testing.T, what string, sel *metav1.LabelSelector, pod labels.Set) {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s selector: %v", what, err)
		return
	}
	if s.Empty() || !s.Matches(pod) {
		t.Errorf("%s selector %v does not select the pods (%v)", what, s, pod)
	}
}

// checkDeployment checks the Deployment and returns its pods' labels.
func checkDeployment(t *testing.T, d *appsv1.Deployment) labels.Set {
	t.Helper()
	pod := labels.Set(d.Spec.Template.Labels)
	checkSelector(t, "Deployment", d.Spec.Selector, pod)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("Deployment replicas %v, want 3", d.Spec.Replicas)
	}
	spec := &d.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("Deployment has %d containers, want 1", len(spec.Containers))
	}
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Error("pod securityContext: want runAsNonRoot and a non-zero runAsUser")
	}
	c := &spec.Containers[0]
	for _, e := range validation.IsDNS1123Label(c.Name) {
		t.Errorf("container name %q: %s", c.Name, e)
	}
	if c.Image == "" {
		t.Error("container has no image")
	}
	names := map[string]bool{}
	for _, p := range c.Ports {
		for _, e := range validation.IsValidPortName(p.Name) {
			t.Errorf("port name %q: %s", p.Name, e)
		}
		if names[p.Name] {
			t.Errorf("port name %q twice", p.Name)
		}
		names[p.Name] = true
	}
	for _, pr := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"startupProbe", c.StartupProbe, "/healthz"}, {"readinessProbe", c.ReadinessProbe, "/readyz"}, {"livenessProbe", c.LivenessProbe, "/healthz"}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe of %s", pr.name, pr.path)
			continue
		}
		if pr.probe.HTTPGet.Path != pr.path {
			t.Errorf("%s path %q, want %s", pr.name, pr.probe.HTTPGet.Path, pr.path)
		}
		containerPort(t, c, pr.probe.HTTPGet.Port)
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		q, ok := req[r]
		if !ok || q.Sign() <= 0 {
			t.Errorf("container requests no %s", r)
		}
		if l, ok := lim[r]; ok && l.Cmp(q) < 0 {
			t.Errorf("%s limit %s is below the request %s", r, l.String(), q.String())
		}
	}
	if l, ok := lim[corev1.ResourceMemory]; !ok || l.Cmp(resource.MustParse("128Mi")) < 0 {
		t.Error("want a memory limit of at least 128Mi")
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Error("container securityContext: want readOnlyRootFilesystem, no privilege escalation, all capabilities dropped")
	}
	vols := map[string]bool{}
	for _, v := range spec.Volumes {
		vols[v.Name] = true
	}
	for _, vm := range c.VolumeMounts {
		if !vols[vm.Name] {
			t.Errorf("volumeMount %q names no volume of the pod", vm.Name)
		}
	}
	return pod
}

// containerPort resolves a probe's or Service's port on the container.
func containerPort(t *testing.T, c *corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort
		}
	}
	t.Errorf("port %s is not a port of container %s", p.String(), c.Name)
	return 0
}

// checkEnvSources checks that the pod's envFrom names the ConfigMap and
// Secret of the manifests and returns the environment they give.
func checkEnvSources(t *testing.T, m *manifests, spec *corev1.PodSpec) map[string]string {
	t.Helper()
	env := map[string]string{}
	var fromCM, fromSecret bool
	for _, src := range spec.Containers[0].EnvFrom {
		switch {
		case src.ConfigMapRef != nil:
			i := slices.IndexFunc(m.configMaps, func(c *corev1.ConfigMap) bool { return c.Name == src.ConfigMapRef.Name })
			if i < 0 {
				t.Errorf("envFrom ConfigMap %q is not among the manifests", src.ConfigMapRef.Name)
				continue
			}
			fromCM = true
			for k, v := range m.configMaps[i].Data {
				env[k] = v
			}
		case src.SecretRef != nil:
			i := slices.IndexFunc(m.secrets, func(s *corev1.Secret) bool { return s.Name == src.SecretRef.Name })
			if i < 0 {
				t.Errorf("envFrom Secret %q is not among the manifests", src.SecretRef.Name)
				continue
			}
			fromSecret = true
			s := m.secrets[i]
			for k, v := range s.StringData {
				env[k] = v
			}
			for k, v := range s.Data {
				env[k] = string(bytes.TrimSpace(v))
			}
		}
	}
	if !fromCM || !fromSecret {
		t.Errorf("want env from both a ConfigMap and a Secret (ConfigMap %v, Secret %v)", fromCM, fromSecret)
	}
	for _, k := range []string{"COCREATE_AUTH_SECRET", "COCREATE_ADMIN_KEY", "COCREATE_POSTGRES"} {
		if _, ok := m.configMaps[0].Data[k]; ok {
			t.Errorf("%s is a secret: it belongs in the Secret, not the ConfigMap", k)
		}
	}
	for _, e := range spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env
}

// loadCompose loads deploy/compose.yaml as `docker compose config` does
// (schema validation, interpolation, normalization), with env as the
// only environment.
func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	dir := deployDir(t)
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
		cli.WithWorkingDirectory(dir), cli.WithEnv(kv))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

var composeEnv = map[string]string{
	"COCREATE_AUTH_SECRET": "compose-test-secret-0123456789abcdefghij",
	"POSTGRES_PASSWORD":    "pw-for-the-test",
}

func TestComposeNeedsSecrets(t *testing.T) {
	for name := range composeEnv {
		env := map[string]string{}
		for k, v := range composeEnv {
			if k != name {
				env[k] = v
			}
		}
		_, err := loadCompose(t, env)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, want an error naming it", name, err)
		}
	}
}

// upstreamServers returns the host:port of the servers of nginx.conf's
// upstream block.
func upstreamServers(t *testing.T, conf string) []string {
	t.Helper()
	block := regexp.MustCompile(`(?s)upstream cocreate \{(.*?)\}`).FindStringSubmatch(conf)
	if block == nil {
		t.Fatal("nginx.conf has no upstream cocreate block")
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+(\S+?)[\s;]`).FindAllStringSubmatch(block[1], -1) {
		out = append(out, m[1])
	}
	return out
}

func TestCompose(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var instances []string
	for name := range p.Services {
		if strings.HasPrefix(name, "cocreate-") {
			instances = append(instances, name)
		}
	}
	slices.Sort(instances)
	if !slices.Equal(instances, []string{"cocreate-1", "cocreate-2", "cocreate-3"}) {
		t.Fatalf("cocreate instances %v, want cocreate-1..3", instances)
	}
	pg := p.Services["postgres"]
	var upstreams []string
	for _, name := range instances {
		s := p.Services[name]
		env := map[string]string{}
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", name, k)
				continue
			}
			env[k] = *v
		}
		cfg := checkEnv(t, name, env)
		if cfg.AuthSecret != composeEnv["COCREATE_AUTH_SECRET"] {
			t.Errorf("%s: auth secret %q, want the one from the environment", name, cfg.AuthSecret)
		}
		r, err := url.Parse(cfg.Redis)
		if err != nil || r.Scheme != "redis" || r.Hostname() != "redis" {
			t.Errorf("%s: COCREATE_REDIS %q does not point at the redis service", name, cfg.Redis)
		}
		dsn, err := url.Parse(cfg.Postgres)
		pw, _ := dsn.User.Password()
		if err != nil || dsn.Hostname() != "postgres" || dsn.User.Username() != *pg.Environment["POSTGRES_USER"] ||
			pw != composeEnv["POSTGRES_PASSWORD"] || strings.TrimPrefix(dsn.Path, "/") != *pg.Environment["POSTGRES_DB"] {
			t.Errorf("%s: COCREATE_POSTGRES %q does not match the postgres service", name, cfg.Postgres)
		}
		// The Redis bus and the PostgreSQL store are refused by Validate
		// until they land; everything else must be valid.
		cfg.Redis, cfg.Postgres = "", ""
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if cfg.MaxConnsPerIP != 0 {
			t.Errorf("%s: --max-conns-per-ip %d behind nginx limits all clients together (nginx is the only peer)", name, cfg.MaxConnsPerIP)
		}
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil || host != "0.0.0.0" {
			t.Errorf("%s: COCREATE_ADDR %q: want 0.0.0.0:PORT", name, cfg.Addr)
		}
		upstreams = append(upstreams, name+":"+port)
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
		for _, dep := range []string{"redis", "postgres"} {
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s: want depends_on %s: service_healthy", name, dep)
			}
		}
		if !s.ReadOnly || !slices.ContainsFunc(s.Tmpfs, func(m string) bool { return strings.HasPrefix(m, "/data:") && strings.Contains(m, "uid=65532") }) {
			t.Errorf("%s: want read_only with a tmpfs /data owned by the image's user 65532", name)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: want build with deploy/Dockerfile", name)
		}
	}
	for _, name := range []string{"redis", "postgres", "lb"} {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	lb := p.Services["lb"]
	if !slices.ContainsFunc(lb.HealthCheck.Test, func(s string) bool { return strings.HasSuffix(s, "/readyz") }) {
		t.Errorf("lb healthcheck %v does not probe /readyz", lb.HealthCheck.Test)
	}
	for _, name := range instances {
		if d, ok := lb.DependsOn[name]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("lb: want depends_on %s: service_healthy", name)
		}
	}
	i := slices.IndexFunc(lb.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == "/etc/nginx/nginx.conf" })
	if i < 0 || lb.Volumes[i].Source != filepath.Join(deployDir(t), "nginx.conf") || !lb.Volumes[i].ReadOnly {
		t.Fatalf("lb does not mount deploy/nginx.conf read-only at /etc/nginx/nginx.conf: %+v", lb.Volumes)
	}
	conf, err := os.ReadFile(lb.Volumes[i].Source)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)location /sync/ \{[^}]*limit_conn perip \d+;`).Match(conf) {
		t.Error("nginx.conf: /sync/ has no per-address limit_conn, and the instances have none behind it")
	}
	got := upstreamServers(t, string(conf))
	slices.Sort(got)
	if !slices.Equal(got, upstreams) {
		t.Errorf("nginx upstream servers %v, want the instances %v", got, upstreams)
	}
	if len(lb.Ports) != 1 || lb.Ports[0].Target != 8080 || lb.Ports[0].Published != "8080" {
		t.Errorf("lb ports %+v, want 8080:8080 by default", lb.Ports)
	}
}
