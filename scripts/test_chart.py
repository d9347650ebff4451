"""Checks of helm/tide and docker/*.Dockerfile that need no helm, Docker or cluster.

Run by `make test-chart` (and `make test`): the chart is rendered by
scripts/render-chart.py for each install in helm/tide/ci/*-values.yaml, every
document is validated with kubernetes-validate (strict, Kubernetes 1.30), and
the properties the spec asks of the deployment are asserted: probes and
resource requests, Recreate schedulers, the exact RBAC rules, the CronJob,
Secrets that every reference resolves to. Also the renderer's refusals,
gen-scheduler, and what can be read off the Dockerfiles.
"""
import contextlib
import copy
import io
import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHART = os.path.join(ROOT, 'helm', 'tide')
NAMESPACE = 'tide'
RELEASE = 'tide'
KUBERNETES = '1.30'
SERVICE_PORTS = {'training-service': 55587, 'scheduler': 55588, 'resource-allocator': 55589}
PRODUCTS = ['training-service', 'resource-allocator', 'scheduler', 'metrics-collector', 'cmd']


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, 'scripts', file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = load('render_chart', 'render-chart.py')
gen = load('gen_scheduler', 'gen-scheduler.py')


def check_generated(chart):
    """gen-scheduler --check's status, its messages kept out of the test report."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return gen.main(['--chart', chart, '--check'])


def installs():
    """{name: values file} of helm/tide/ci/<name>-values.yaml, the installs make manifests renders."""
    return {os.path.basename(path)[:-len('-values.yaml')]: path
            for path in sorted(glob.glob(os.path.join(CHART, 'ci', '*-values.yaml')))}


def validate(paths):
    """kubernetes-validate's exit status and output for these files."""
    result = subprocess.run([sys.executable, '-m', 'kubernetes_validate', '--strict', '-k', KUBERNETES, '--quiet']
                            + paths, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def of_kind(documents, kind):
    return [document for document in documents if document['kind'] == kind]


def pod_spec(workload):
    spec = workload['spec']
    if workload['kind'] == 'CronJob':
        return spec['jobTemplate']['spec']['template']['spec']
    return spec['template']['spec']


def pod_labels(workload):
    spec = workload['spec']
    if workload['kind'] == 'CronJob':
        return spec['jobTemplate']['spec']['template']['metadata']['labels']
    return spec['template']['metadata']['labels']


def rule_set(rules):
    """Rules as a set of (apiGroup, resource, verb): the comparison ignores how rules are grouped."""
    return {(group, resource, verb)
            for rule in rules for group in rule['apiGroups'] for resource in rule['resources'] for verb in rule['verbs']}


def expand(group, resources, verbs):
    return {(group, resource, verb) for resource in resources for verb in verbs}


NAMESPACED_RULES = (expand('', ['pods'], ['create', 'delete', 'get', 'list', 'watch', 'patch'])
                    | expand('', ['pods/binding'], ['create'])
                    | expand('', ['pods/log'], ['get'])
                    | expand('', ['events'], ['create'])
                    | expand('coordination.k8s.io', ['leases'], ['get', 'create', 'update']))
MPIJOB_RULES = expand('kubeflow.org', ['mpijobs'], ['create', 'delete', 'get', 'list', 'watch', 'patch'])
CLUSTER_RULES = expand('', ['nodes'], ['get', 'list', 'watch']) | expand('', ['pods'], ['get', 'list', 'watch'])
LOG_READER_RULES = expand('', ['pods'], ['get', 'list']) | expand('', ['pods/log'], ['get'])


class RenderedChart(unittest.TestCase):
    """Each install of helm/tide/ci, rendered and validated once."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix='tide-chart-')
        cls.documents, cls.values, paths = {}, {}, []
        for name, values_file in installs().items():
            manifest, _, documents = render.render_chart(CHART, [values_file], release=RELEASE, namespace=NAMESPACE)
            path = os.path.join(cls.directory, f'{name}.yaml')
            with open(path, 'w') as handle:
                handle.write(manifest)
            paths.append(path)
            cls.documents[name] = documents
            with open(values_file) as handle:
                cls.values[name] = yaml.safe_load(handle)
        cls.validation = validate(paths)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory)

    def test_the_installs_are_the_default_and_an_external_one_with_mpijobs(self):
        self.assertIn('default', self.documents)
        self.assertTrue(any(values.get('mpiJobs', {}).get('enabled') and not values['mongodb']['bundled']
                            and not values['rabbitmq']['bundled'] for values in self.values.values()))

    def test_every_document_passes_the_kubernetes_schema(self):
        status, output = self.validation
        self.assertEqual(status, 0, output)
        self.assertNotIn('ERROR', output)

    def test_the_validator_rejects_a_misspelled_field(self):
        deployment = copy.deepcopy(of_kind(self.documents['default'], 'Deployment')[0])
        container = pod_spec(deployment)['containers'][0]
        container['livenesProbe'] = container.pop('livenessProbe')
        path = os.path.join(self.directory, 'broken.yaml')
        with open(path, 'w') as handle:
            yaml.safe_dump(deployment, handle)
        status, output = validate([path])
        self.assertNotEqual(status, 0, output)

    def test_every_deployment_has_probes_resource_requests_and_a_metrics_port(self):
        for install, documents in self.documents.items():
            with self.subTest(install=install):
                deployments = of_kind(documents, 'Deployment')
                self.assertGreaterEqual(len(deployments), 4)
                for deployment in deployments:
                    for container in pod_spec(deployment)['containers']:
                        where = f"{deployment['metadata']['name']}/{container['name']}"
                        self.assertEqual(container['livenessProbe']['httpGet']['path'], '/healthz', where)
                        self.assertEqual(container['readinessProbe']['httpGet']['path'], '/readyz', where)
                        self.assertTrue(container['resources']['requests'].get('cpu'), where)
                        self.assertTrue(container['resources']['requests'].get('memory'), where)
                        port = {p['name']: p['containerPort'] for p in container['ports']}['http']
                        self.assertEqual(port, SERVICE_PORTS[container['name']], where)
                        self.assertEqual(container['args'][container['args'].index('--port') + 1], str(port), where)
                    annotations = deployment['spec']['template']['metadata']['annotations']
                    self.assertEqual(annotations['prometheus.io/scrape'], 'true')
                    self.assertEqual(annotations['prometheus.io/path'], '/metrics')
                    self.assertEqual(annotations['prometheus.io/port'], str(port))

    def test_every_workload_runs_as_non_root_with_requests(self):
        for install, documents in self.documents.items():
            with self.subTest(install=install):
                for workload in of_kind(documents, 'Deployment') + of_kind(documents, 'StatefulSet') + \
                        of_kind(documents, 'CronJob'):
                    spec = pod_spec(workload)
                    self.assertTrue(spec['securityContext']['runAsNonRoot'], workload['metadata']['name'])
                    for container in spec['containers']:
                        self.assertFalse(container['securityContext']['allowPrivilegeEscalation'])
                        self.assertIn('requests', container['resources'])

    def test_one_recreate_scheduler_per_gpu_type_with_the_spec_arguments(self):
        types = sorted(gen.generated(CHART))
        self.assertEqual(types, ['nvidia-a100', 'nvidia-tesla-v100'])
        for name, documents in self.documents.items():
            with self.subTest(install=name):
                values = render.merge(render.load_yaml_file(os.path.join(CHART, 'values.yaml')), self.values[name])
                schedulers = {d['metadata']['name']: d for d in of_kind(documents, 'Deployment')
                              if d['metadata']['labels']['app.kubernetes.io/component'] == 'scheduler'}
                self.assertEqual(sorted(schedulers), [f'{RELEASE}-scheduler-{t}' for t in types])
                for gpu_type in types:
                    deployment = schedulers[f'{RELEASE}-scheduler-{gpu_type}']
                    self.assertEqual(deployment['spec']['strategy'], {'type': 'Recreate'})
                    self.assertEqual(deployment['spec']['replicas'], values['scheduler']['replicas'])
                    spec = pod_spec(deployment)
                    self.assertEqual(spec['serviceAccountName'], f'{RELEASE}-scheduler')
                    container = spec['containers'][0]
                    self.assertEqual(container['image'], self.image(values, 'scheduler'))
                    self.assertEqual(container['args'][:12], [
                        '--accelerator', gpu_type, '--backend', 'kubernetes', '--namespace', NAMESPACE,
                        '--node-label-key', values['scheduler']['nodeLabelKey'],
                        '--api-url', f'http://{RELEASE}-training-service.{NAMESPACE}.svc:55587',
                        '--policy', values['scheduler']['policy']])
                    env = {e['name']: e for e in container['env']}
                    self.assertEqual(env['POD_NAME']['valueFrom'], {'fieldRef': {'fieldPath': 'metadata.name'}})
                    self.assertIn('TIDE_JOB_TOKEN_SECRET', env)
        external = [n for n in self.values if self.values[n].get('scheduler', {}).get('nodeLabelKey')]
        self.assertTrue(external, 'an install beside Voda (vodascheduler/accelerator) is rendered')

    def image(self, values, product):
        tag = values['image']['tag'] or render.load_yaml_file(os.path.join(CHART, 'Chart.yaml'))['appVersion']
        return f"{values['image']['registry']}/tide-{product}:{tag}"

    def test_images_are_registry_tide_service_tag(self):
        for name, documents in self.documents.items():
            with self.subTest(install=name):
                values = render.merge(render.load_yaml_file(os.path.join(CHART, 'values.yaml')), self.values[name])
                for workload in of_kind(documents, 'Deployment') + of_kind(documents, 'CronJob'):
                    for container in pod_spec(workload)['containers']:
                        self.assertEqual(container['image'], self.image(values, container['name']))

    def test_rbac_is_exactly_the_least_privilege_list(self):
        for name, documents in self.documents.items():
            with self.subTest(install=name):
                mpi = self.values[name].get('mpiJobs', {}).get('enabled', False)
                roles = {role['metadata']['name']: role for role in of_kind(documents, 'Role')}
                cluster_roles = of_kind(documents, 'ClusterRole')
                self.assertEqual(sorted(roles), [f'{RELEASE}-scheduler', f'{RELEASE}-training-service'])
                self.assertEqual(len(cluster_roles), 1)
                scheduler, reader = roles[f'{RELEASE}-scheduler'], roles[f'{RELEASE}-training-service']
                self.assertEqual(rule_set(scheduler['rules']), NAMESPACED_RULES | (MPIJOB_RULES if mpi else set()))
                self.assertEqual(rule_set(reader['rules']), LOG_READER_RULES)
                self.assertEqual(rule_set(cluster_roles[0]['rules']), CLUSTER_RULES)
                for rule in scheduler['rules'] + reader['rules'] + cluster_roles[0]['rules']:
                    self.assertNotIn('*', rule['verbs'] + rule['resources'] + rule['apiGroups'])
                    self.assertNotIn('resourceNames', rule)
                accounts = of_kind(documents, 'ServiceAccount')
                self.assertEqual(sorted(a['metadata']['name'] for a in accounts),
                                 [f'{RELEASE}-scheduler', f'{RELEASE}-training-service'])
                bindings = {b['metadata']['name']: b for b in of_kind(documents, 'RoleBinding') + of_kind(documents, 'ClusterRoleBinding')}
                self.assertEqual(len(bindings), 3)
                for binding in bindings.values():
                    role = binding['roleRef']['name']
                    account = f'{RELEASE}-training-service' if role.endswith('training-service') else f'{RELEASE}-scheduler'
                    self.assertIn(binding['roleRef']['kind'], ('Role', 'ClusterRole'))
                    self.assertEqual(binding['subjects'], [
                        {'kind': 'ServiceAccount', 'name': account, 'namespace': NAMESPACE}])
                # Only the scheduler and the training service get API credentials, each its own.
                for workload in of_kind(documents, 'Deployment') + of_kind(documents, 'StatefulSet') + \
                        of_kind(documents, 'CronJob'):
                    spec = pod_spec(workload)
                    if 'scheduler' in workload['metadata']['name']:
                        self.assertEqual(spec['serviceAccountName'], f'{RELEASE}-scheduler')
                    elif workload['metadata']['name'].endswith('training-service'):
                        self.assertEqual(spec['serviceAccountName'], f'{RELEASE}-training-service')
                    else:
                        self.assertFalse(spec['automountServiceAccountToken'], workload['metadata']['name'])

    def test_the_metrics_collector_runs_every_minute_never_two_at_once(self):
        for install, documents in self.documents.items():
            with self.subTest(install=install):
                cron_jobs = of_kind(documents, 'CronJob')
                self.assertEqual(len(cron_jobs), 1)
                spec = cron_jobs[0]['spec']
                self.assertEqual(spec['schedule'], '*/1 * * * *')
                self.assertEqual(spec['concurrencyPolicy'], 'Forbid')
                self.assertGreater(spec['jobTemplate']['spec']['activeDeadlineSeconds'], 0)
                self.assertEqual(pod_spec(cron_jobs[0])['restartPolicy'], 'Never')

    def test_every_secret_reference_resolves(self):
        for install, documents in self.documents.items():
            with self.subTest(install=install):
                secrets = {s['metadata']['name']: s['stringData'] for s in of_kind(documents, 'Secret')}
                references = 0
                for workload in of_kind(documents, 'Deployment') + of_kind(documents, 'StatefulSet') + \
                        of_kind(documents, 'CronJob'):
                    for container in pod_spec(workload)['containers']:
                        for entry in container.get('env', []):
                            reference = entry.get('valueFrom', {}).get('secretKeyRef')
                            if reference:
                                references += 1
                                self.assertIn(reference['key'], secrets[reference['name']], entry['name'])
                self.assertGreater(references, 10)

    def test_databases_bundled_or_external(self):
        for name, documents in self.documents.items():
            with self.subTest(install=name):
                values = self.values[name]
                secret = of_kind(documents, 'Secret')[0]['stringData']
                sets = {s['metadata']['name']: s for s in of_kind(documents, 'StatefulSet')}
                for database, key in (('mongodb', 'TIDE_MONGO_URI'), ('rabbitmq', 'TIDE_AMQP_URI')):
                    if values[database].get('bundled', True):
                        workload = sets[f'{RELEASE}-{database}']
                        self.assertEqual(workload['spec']['volumeClaimTemplates'][0]['metadata']['name'], 'data')
                        self.assertIn(f'@{RELEASE}-{database}.{NAMESPACE}.svc:', secret[key])
                    else:
                        self.assertNotIn(f'{RELEASE}-{database}', sets)
                        self.assertEqual(secret[key], values[database]['uri'])

    def test_selectors_and_services_match_the_pods(self):
        for install, documents in self.documents.items():
            with self.subTest(install=install):
                workloads = of_kind(documents, 'Deployment') + of_kind(documents, 'StatefulSet')
                for workload in workloads:
                    selector = workload['spec']['selector']['matchLabels']
                    self.assertLessEqual(selector.items(), pod_labels(workload).items())
                    others = [w for w in workloads if w is not workload]
                    self.assertFalse([w for w in others if selector.items() <= pod_labels(w).items()],
                                     f"{workload['metadata']['name']}'s selector matches another workload's pods")
                for service in of_kind(documents, 'Service'):
                    selected = [w for w in workloads if service['spec']['selector'].items() <= pod_labels(w).items()]
                    self.assertEqual(len(selected), 1, service['metadata']['name'])
                    ports = [p['name'] for c in pod_spec(selected[0])['containers'] for p in c['ports']]
                    for port in service['spec']['ports']:
                        self.assertIn(port['targetPort'], ports)
                    self.assertRegex(service['metadata']['name'], r'^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')

    def test_an_existing_secret_replaces_the_charts(self):
        _, _, documents = render.render_chart(
            CHART, [], ['auth.existingSecret=mine', 'image.registry=r.example'], release=RELEASE, namespace=NAMESPACE)
        self.assertEqual(of_kind(documents, 'Secret'), [])
        names = {entry['valueFrom']['secretKeyRef']['name']
                 for workload in of_kind(documents, 'Deployment') + of_kind(documents, 'StatefulSet')
                 for container in pod_spec(workload)['containers'] for entry in container['env']
                 if 'secretKeyRef' in entry.get('valueFrom', {})}
        self.assertEqual(names, {'mine'})

    def test_a_missing_registry_or_secret_is_refused_with_its_value_name(self):
        with self.assertRaisesRegex(render.TemplateError, r'image\.registry'):
            render.render_chart(CHART, [], [], release=RELEASE, namespace=NAMESPACE)
        with self.assertRaisesRegex(render.TemplateError, r'auth\.apiPasswordSha256'):
            render.render_chart(CHART, [], ['image.registry=r.example'], release=RELEASE, namespace=NAMESPACE)
        with self.assertRaisesRegex(render.TemplateError, r'mongodb\.uri'):
            render.render_chart(CHART, [installs()['default']], ['mongodb.bundled=false'])
        with self.assertRaisesRegex(render.TemplateError, r'values\.schema\.json(.|\n)*bundeld'):
            render.render_chart(CHART, [installs()['default']], ['mongodb.bundeld=false'])
        with self.assertRaisesRegex(render.TemplateError, r'scheduler\.policy'):
            render.render_chart(CHART, [installs()['default']], ['scheduler.policy=greedy'])


class Renderer(unittest.TestCase):
    """The template subset, and the refusals outside it."""

    def render(self, source, values=None, helpers=''):
        defines = {}
        render.parse(helpers, 'helpers', defines)
        nodes = render.parse(source, 'test', defines)
        root = {'Values': values or {}, 'Release': {'Name': 'r', 'Namespace': 'ns', 'Service': 'Helm'},
                'Chart': {'Name': 'c', 'Version': '1.0.0', 'AppVersion': '2'}}
        return render.Renderer(defines).render(nodes, root, root)

    def test_values_default_quote_and_trimming(self):
        values = {'a': {'b': 'x', 'off': False, 'n': 3, 'empty': ''}}
        self.assertEqual(self.render('k: {{ .Values.a.b }}', values), 'k: x')
        self.assertEqual(self.render('{{ .Values.a.empty | default "d" }}', values), 'd')
        # Sprig's default treats false as empty, as Helm does.
        self.assertEqual(self.render('{{ .Values.a.off | default true }}', values), 'true')
        self.assertEqual(self.render('{{ .Values.a.n | quote }} {{ quote .Release.Name }}', values), '"3" "r"')
        self.assertEqual(self.render('a:\n  {{- if .Values.a.b }}\n  b: 1\n  {{- end }}\nc', values), 'a:\n  b: 1\nc')
        self.assertEqual(self.render('x {{- /* note */ -}} y'), 'xy')

    def test_if_else_if_else_and_range(self):
        template = '{{ if .Values.x }}one{{ else if .Values.y }}two{{ else }}three{{ end }}'
        self.assertEqual(self.render(template, {'x': 0, 'y': 'yes'}), 'two')
        self.assertEqual(self.render(template, {'x': 0, 'y': ''}), 'three')
        self.assertEqual(self.render('{{ range .Values.l }}[{{ . }}]{{ end }}', {'l': ['a', 'b']}), '[a][b]')
        self.assertEqual(self.render('{{ range .Values.m }}{{ . }}{{ end }}', {'m': {'b': 2, 'a': 1}}), '12')
        self.assertEqual(self.render('{{ range .Values.l }}x{{ else }}none{{ end }}', {'l': []}), 'none')
        self.assertEqual(self.render('{{ range .Values.l }}{{ $.Release.Name }}{{ end }}', {'l': [1, 2]}), 'rr')

    def test_include_to_yaml_and_nindent(self):
        helpers = '{{- define "h" -}}\nname: {{ .Release.Name }}\n{{- end }}'
        self.assertEqual(self.render('m:\n  {{- include "h" . | nindent 2 }}', helpers=helpers), 'm:\n  name: r')
        self.assertEqual(self.render('r:\n  {{- toYaml .Values.r | nindent 2 }}', {'r': {'b': 1, 'a': ['x']}}),
                         'r:\n  a:\n  - x\n  b: 1')

    def test_required_names_the_value(self):
        with self.assertRaisesRegex(render.TemplateError, 'set the token'):
            self.render('{{ required "set the token" .Values.t }}', {'t': ''})

    def test_what_is_outside_the_subset_is_refused(self):
        refused = {
            '{{ printf "%s" .Values.a }}': 'printf',
            '{{ with .Values.a }}{{ end }}': 'with',
            '{{ $x := .Values.a }}': 'variables',
            '{{ default (.Values.a) "b" }}': 'parentheses',
            '{{ template "h" . }}': 'template',
            '{{ .Values.a | upper }}': 'upper',
            '{{ if .Values.a }}': 'not closed',
            '{{ end }}': 'end without',
            '{{ default "x" }}': 'takes 2',
            '{{ .Values.missing }}': 'not defined',
            '{{ .Values.a.b.c }}': 'reads a field',
        }
        for source, message in refused.items():
            with self.subTest(source=source):
                with self.assertRaisesRegex(render.TemplateError, message):
                    self.render(source, {'a': {'b': 'x'}})

    def test_values_that_would_render_wrongly_are_refused(self):
        for source, values, message in (
                ('{{ .Values.m }}', {'m': {'a': 1}}, 'toYaml'),
                ('{{ .Values.n }}', {'n': None}, 'null'),
                ('{{ .Values.n | quote }}', {'n': None}, 'null'),
                ('{{ .Values.big }}', {'big': 1000000}, '1e\\+06')):
            with self.subTest(source=source):
                with self.assertRaisesRegex(render.TemplateError, message):
                    self.render(source, values)

    def test_set_takes_scalars_only(self):
        self.assertEqual(render.parse_set('a.b=3'), {'a': {'b': 3}})
        self.assertEqual(render.parse_set('a=false'), {'a': False})
        with self.assertRaises(render.TemplateError):
            render.parse_set('a={b: 1}')
        with self.assertRaises(render.TemplateError):
            render.parse_set('a=x,y')


class GenScheduler(unittest.TestCase):
    """make gen-scheduler on a copy of the chart."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix='tide-gen-')
        self.chart = os.path.join(self.directory, 'tide')
        shutil.copytree(CHART, self.chart)

    def tearDown(self):
        shutil.rmtree(self.directory)

    def make(self, *arguments):
        return subprocess.run(['make', '-s', '-C', ROOT, 'gen-scheduler', f'CHART={self.chart}', *arguments],
                              capture_output=True, text=True)

    def schedulers(self):
        return sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.chart, 'templates', 'scheduler-*')))

    def test_the_committed_templates_match_the_stub(self):
        self.assertEqual(check_generated(CHART), 0)

    def test_a_new_list_replaces_the_generated_templates_and_only_those(self):
        handwritten = os.path.join(self.chart, 'templates', 'scheduler-handwritten.yaml')
        shutil.copy(os.path.join(self.chart, 'templates', 'secret.yaml'), handwritten)
        result = self.make('GPU_TYPES=gpu-a 4090')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.schedulers(), ['scheduler-4090.yaml', 'scheduler-gpu-a.yaml',
                                             'scheduler-handwritten.yaml'])
        os.remove(handwritten)
        _, _, documents = render.render_chart(self.chart, [installs()['default']])
        names = sorted(d['metadata']['name'] for d in of_kind(documents, 'Deployment')
                       if d['metadata']['labels']['app.kubernetes.io/component'] == 'scheduler')
        self.assertEqual(names, ['tide-scheduler-4090', 'tide-scheduler-gpu-a'])
        self.assertEqual(check_generated(self.chart), 0)

    def test_bad_types_are_refused_and_nothing_is_written(self):
        before = self.schedulers()
        for types, message in (('Nvidia-A100', 'not a valid GPU type'), ('-a', 'not a valid GPU type'),
                               ('a- b', 'not a valid GPU type'), ('nvidia.a100', 'not a valid GPU type'),
                               ('a_b', 'not a valid GPU type'), ('x' * 41, '41 characters'),
                               ('ok ok', 'more than once')):
            with self.subTest(types=types):
                result = self.make(f'GPU_TYPES={types}')
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)
                self.assertIn('nothing written', result.stderr)
                self.assertEqual(self.schedulers(), before)
        self.assertEqual(self.make('GPU_TYPES=' + 'x' * 40).returncode, 0)

    def test_an_edited_stub_makes_the_check_fail_until_regenerated(self):
        stub = os.path.join(self.chart, 'scheduler.yaml.tmpl')
        with open(stub, 'a') as handle:
            handle.write('# changed\n')
        self.assertEqual(check_generated(self.chart), 1)
        self.assertEqual(self.make().returncode, 0)
        self.assertEqual(check_generated(self.chart), 0)


class Dockerfiles(unittest.TestCase):
    """What can be read off docker/*.Dockerfile without a Docker engine (none is here to build them)."""

    @staticmethod
    def instructions(product):
        with open(os.path.join(ROOT, 'docker', f'{product}.Dockerfile')) as handle:
            text = re.sub(r'\\\n', ' ', handle.read())
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith('#')]
        return [tuple(line.split(None, 1)) for line in lines]

    def stages(self, product):
        stages = []
        for instruction, argument in self.instructions(product):
            if instruction == 'FROM':
                stages.append((argument, []))
            else:
                stages[-1][1].append((instruction, argument))
        return stages

    def test_every_product_has_a_dockerfile_and_is_in_package_swift(self):
        with open(os.path.join(ROOT, 'Package.swift')) as handle:
            executables = set(re.findall(r'\.executable\(name: "([^"]+)"', handle.read()))
        self.assertLessEqual(set(PRODUCTS), executables)
        self.assertEqual(sorted(os.path.basename(p)[:-len('.Dockerfile')]
                                for p in glob.glob(os.path.join(ROOT, 'docker', '*.Dockerfile'))), sorted(PRODUCTS))
        with open(os.path.join(ROOT, '.dockerignore')) as handle:
            self.assertIn('.build', handle.read().split())

    def test_two_stages_building_the_right_product_statically(self):
        for product in PRODUCTS:
            with self.subTest(product=product):
                (build, build_steps), (runtime, runtime_steps) = self.stages(product)
                self.assertRegex(build, r'^swift:6\.\d+-bookworm AS build$')
                self.assertEqual(runtime, 'debian:bookworm-slim')
                runs = ' '.join(argument for instruction, argument in build_steps if instruction == 'RUN')
                for package in ('librabbitmq-dev', 'libmongoc-dev', 'libbson-dev', 'libcurl4-openssl-dev', 'pkg-config'):
                    self.assertIn(package, runs)
                builds = re.findall(r'swift build -c release --product (\S+) --static-swift-stdlib', runs)
                self.assertEqual(builds, [product])
                runtime_runs = ' '.join(argument for instruction, argument in runtime_steps if instruction == 'RUN')
                installed = re.search(r'apt-get install -y --no-install-recommends ([^&]+)', runtime_runs).group(1)
                self.assertEqual(set(installed.split()),
                                 {'librabbitmq4', 'libmongoc-1.0-0', 'libbson-1.0-0', 'libcurl4', 'ca-certificates'})
                self.assertNotRegex(installed, r'-dev\b')
                self.assertIn('COPY', [instruction for instruction, _ in runtime_steps])

    def test_runs_as_the_charts_non_root_user_and_exposes_the_spec_port(self):
        for product in PRODUCTS:
            with self.subTest(product=product):
                _, (_, steps) = self.stages(product)
                users = [argument for instruction, argument in steps if instruction == 'USER']
                self.assertEqual(users, ['10001:10001'])
                self.assertLess(max(i for i, (instruction, _) in enumerate(steps) if instruction == 'RUN'),
                                [instruction for instruction, _ in steps].index('USER'))
                exposed = [argument for instruction, argument in steps if instruction == 'EXPOSE']
                self.assertEqual(exposed, [str(SERVICE_PORTS[product])] if product in SERVICE_PORTS else [])
                self.assertEqual(steps[-1], ('ENTRYPOINT', f'["/usr/local/bin/{product}"]'))
        with open(os.path.join(CHART, 'templates', '_helpers.tpl')) as handle:
            self.assertIn('runAsUser: 10001', handle.read())

    def test_the_training_service_image_carries_its_openapi_bundle(self):
        runs = ' '.join(argument for instruction, argument in self.instructions('training-service')
                        if instruction == 'RUN')
        self.assertIn('tide_TideAPI.resources', runs)


if __name__ == '__main__':
    unittest.main()
