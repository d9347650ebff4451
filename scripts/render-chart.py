#!/usr/bin/env python3
"""Renders a Helm chart offline, for the subset of Helm's templates Tide's chart uses.

There is no helm binary on Tide's development machines, so `make manifests`
renders helm/tide with this script and `make test-chart` validates the result.
It implements only this subset of Go templates and Helm functions, and refuses
anything else with the file and line, rather than guess and emit wrong YAML:

  {{ .Values.a.b }}  {{ .Release.Name }}  {{ .Release.Namespace }}  {{ .Release.Service }}
  {{ .Chart.Name }}  {{ .Chart.Version }}  {{ .Chart.AppVersion }}  {{ . }}  {{ $ }}  {{ $.Values.x }}
  string ("..."), integer, true and false literals
  pipelines with |, and the functions
    default D X     X unless X is empty (nil, false, 0, "", empty list or map), else D
    quote X         X as a double-quoted string (a null X is refused)
    required MSG X  X, or the error MSG when X is empty
    include NAME X  the output of {{ define NAME }} with X as its dot
    toYaml X        X as block YAML, keys sorted (for maps, lists and scalars)
    nindent N S     a newline, then S with every line indented by N spaces
    indent N S      S with every line indented by N spaces
  {{ if X }} {{ else if Y }} {{ else }} {{ end }}   {{ range X }} {{ else }} {{ end }}
  {{ define "name" }} ... {{ end }} at the top level of any template file
  {{- and -}} whitespace trimming, {{/* comments */}}

Stricter than Helm, on purpose: a value path that values.yaml does not define
is an error (Helm prints nothing), printing a null, a map or a list is an error
(Helm prints nothing or Go's map syntax), and so is a number of a million or
more (Helm prints 1e+06). Every rendered document must parse as YAML and name
its apiVersion, kind and metadata.name.

Usage:
  render-chart.py CHART [-f VALUES]... [--set KEY=VALUE]... [--release-name NAME]
                  [--namespace NS] [--output FILE] [--notes FILE]
"""
import argparse
import json
import os
import re
import sys

import yaml


class TemplateError(Exception):
    """A template outside the supported subset, or a value it cannot render."""


# ---------------------------------------------------------------- lexing

TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?![\w.]))
  | (?P<pipe>\|)
  | (?P<field>\$(?:\.[A-Za-z_][A-Za-z0-9_]*)*|(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
''', re.VERBOSE)


def tokenize(text, where):
    """The tokens of one action: (kind, value)."""
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match:
            raise TemplateError(f"{where}: unsupported syntax at {text[position:]!r} "
                                "(parentheses, variables and other Go template forms are not in the subset)")
        position = match.end()
        kind = match.lastgroup
        if kind == 'space':
            continue
        value = match.group(kind)
        if kind == 'string':
            value = json.loads(value)
        elif kind == 'number':
            value = int(value)
        tokens.append((kind, value))
    return tokens


def split_actions(source, where):
    """Text and actions, with Go's whitespace trimming applied: [('text', s) | ('action', s, line)]."""
    pieces, position = [], 0
    while True:
        start = source.find('{{', position)
        if start < 0:
            pieces.append(('text', source[position:]))
            break
        text = source[position:start]
        inner_start = start + 2
        if source.startswith('- ', inner_start) or source.startswith('-\n', inner_start):
            text = text.rstrip(' \t\r\n')
            inner_start += 1
        elif source.startswith('-', inner_start) and not source.startswith('-}}', inner_start):
            raise TemplateError(f"{where}:{source.count(chr(10), 0, start) + 1}: '{{{{-' must be followed by a space")
        pieces.append(('text', text))
        line = source.count('\n', 0, start) + 1
        # The action ends at the first }} outside a string.
        end, inside = inner_start, False
        while True:
            if end >= len(source):
                raise TemplateError(f"{where}:{line}: unclosed action")
            char = source[end]
            if inside:
                if char == '\\':
                    end += 1
                elif char == '"':
                    inside = False
            elif char == '"':
                inside = True
            elif source.startswith('}}', end):
                break
            end += 1
        inner = source[inner_start:end]
        position = end + 2
        trim_after = False
        if inner.endswith(' -') or inner.endswith('\n-'):
            inner = inner[:-1]
            trim_after = True
        stripped = inner.strip()
        if stripped.startswith('/*'):
            if not stripped.endswith('*/'):
                raise TemplateError(f"{where}:{line}: a comment must be the whole action")
        else:
            pieces.append(('action', stripped, line))
        if trim_after:
            rest = source[position:]
            position += len(rest) - len(rest.lstrip(' \t\r\n'))
    return pieces


# ---------------------------------------------------------------- parsing

class Node:
    pass


class Text(Node):
    def __init__(self, text):
        self.text = text


class Output(Node):
    def __init__(self, pipeline, where):
        self.pipeline, self.where = pipeline, where


class If(Node):
    def __init__(self, pipeline, where):
        self.pipeline, self.where = pipeline, where
        self.then, self.otherwise = [], []


class Range(Node):
    def __init__(self, pipeline, where):
        self.pipeline, self.where = pipeline, where
        self.then, self.otherwise = [], []


FUNCTIONS = {'default': 2, 'quote': 1, 'required': 2, 'include': 2, 'toYaml': 1, 'nindent': 2, 'indent': 2}
KEYWORDS = {'if', 'else', 'end', 'range', 'define'}


def parse_pipeline(tokens, where):
    """A pipeline: a list of commands, each (function name or None, [operands])."""
    commands, current = [], []
    for token in tokens + [('pipe', '|')]:
        if token[0] == 'pipe':
            if not current:
                raise TemplateError(f"{where}: empty command in a pipeline")
            commands.append(current)
            current = []
        else:
            current.append(token)
    parsed = []
    for index, command in enumerate(commands):
        kind, value = command[0]
        if kind == 'ident':
            if value in ('true', 'false') and len(command) == 1:
                parsed.append((None, [command[0]]))
                continue
            if value not in FUNCTIONS:
                raise TemplateError(f"{where}: function {value!r} is not in the supported subset "
                                    f"({', '.join(sorted(FUNCTIONS))})")
            arguments = command[1:]
            given = len(arguments) + (1 if index > 0 else 0)
            if given != FUNCTIONS[value]:
                raise TemplateError(f"{where}: {value} takes {FUNCTIONS[value]} argument(s), got {given}")
            for argument in arguments:
                if argument[0] == 'ident' and argument[1] not in ('true', 'false'):
                    raise TemplateError(f"{where}: a function call as an argument ({argument[1]}) needs "
                                        "parentheses, which are not in the subset; use a pipeline")
            parsed.append((value, arguments))
        else:
            if len(command) != 1:
                raise TemplateError(f"{where}: a value cannot take arguments: {command!r}")
            if index > 0:
                raise TemplateError(f"{where}: only a function can follow '|'")
            parsed.append((None, command))
    return parsed


def parse(source, where, defines):
    """The node list of a template file; its defines go into `defines`."""
    root = []
    stack = [('root', root, None)]   # (kind, list being filled, node)
    for piece in split_actions(source, where):
        body = stack[-1][1]
        if piece[0] == 'text':
            if piece[1]:
                body.append(Text(piece[1]))
            continue
        _, action, line = piece
        at = f"{where}:{line}"
        tokens = tokenize(action, at)
        if not tokens:
            raise TemplateError(f"{at}: empty action")
        head = tokens[0][1] if tokens[0][0] == 'ident' else None
        if head == 'define':
            if len(stack) != 1 or len(tokens) != 2 or tokens[1][0] != 'string':
                raise TemplateError(f"{at}: define takes one quoted name, at the top level")
            name = tokens[1][1]
            if name in defines:
                raise TemplateError(f"{at}: {name!r} is defined twice")
            defines[name] = []
            stack.append(('define', defines[name], name))
        elif head in ('if', 'range'):
            node = (If if head == 'if' else Range)(parse_pipeline(tokens[1:], at), at)
            body.append(node)
            stack.append((head, node.then, node))
        elif head == 'else':
            kind, current, node = stack[-1]
            if kind not in ('if', 'range') or current is node.otherwise:
                raise TemplateError(f"{at}: else outside an if or range, or a second else")
            if len(tokens) == 1:
                stack[-1] = (kind, node.otherwise, node)
            elif tokens[1] == ('ident', 'if') and kind == 'if':
                # else if: an if inside the else branch, closed by the same end.
                inner = If(parse_pipeline(tokens[2:], at), at)
                node.otherwise.append(inner)
                stack[-1] = ('if', inner.then, inner)
            else:
                raise TemplateError(f"{at}: unsupported else form")
        elif head == 'end':
            if len(tokens) != 1 or len(stack) == 1:
                raise TemplateError(f"{at}: end without an open block")
            stack.pop()
        elif head in ('with', 'template', 'block', 'break', 'continue', 'tpl'):
            raise TemplateError(f"{at}: {head!r} is not in the supported subset")
        elif any(kind == 'ident' and value == 'else' for kind, value in tokens):
            raise TemplateError(f"{at}: misplaced else")
        else:
            body.append(Output(parse_pipeline(tokens, at), at))
    if len(stack) != 1:
        raise TemplateError(f"{where}: {stack[-1][0]} block not closed with end")
    return root


# ---------------------------------------------------------------- evaluation

def empty(value):
    """Go templates' and Sprig's notion of empty."""
    return value is None or value is False or (not isinstance(value, bool) and value == 0) or \
        (isinstance(value, (str, list, dict)) and len(value) == 0)


def scalar_text(value, what):
    if value is None:
        raise TemplateError(f"{what} is null: printing it would leave an empty YAML value; "
                            "guard it with if, or give a default")
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return repr(value)
        if abs(value) >= 1_000_000:
            raise TemplateError(f"{what} is {value}: Helm prints numbers of a million or more as 1e+06; "
                                "quote it in the values")
        return str(int(value))
    if isinstance(value, str):
        return value
    raise TemplateError(f"{what} is a {type(value).__name__}: print maps and lists with toYaml")


def to_yaml(value):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True, width=1 << 16).rstrip('\n') \
        .removesuffix('\n...')


def indent_text(width, text):
    if not isinstance(width, int) or isinstance(width, bool):
        raise TemplateError(f"indentation must be an integer, got {width!r}")
    pad = ' ' * width
    return pad + text.replace('\n', '\n' + pad)


class Renderer:
    def __init__(self, defines, depth_limit=50):
        self.defines = defines
        self.depth = 0
        self.depth_limit = depth_limit

    def operand(self, token, dot, root, where):
        kind, value = token
        if kind in ('string', 'number'):
            return value
        if kind == 'ident':
            return value == 'true'
        base = root if value.startswith('$') else dot
        path = [part for part in value.lstrip('$').split('.') if part]
        current, walked = base, '$' if value.startswith('$') else ''
        for part in path:
            walked += '.' + part
            if not isinstance(current, dict):
                raise TemplateError(f"{where}: {walked} reads a field of a {type(current).__name__}")
            if part not in current:
                raise TemplateError(f"{where}: {walked} is not defined (values.yaml must declare every key "
                                    "a template reads)")
            current = current[part]
        return current

    def pipeline(self, commands, dot, root, where):
        result, have = None, False
        for function, arguments in commands:
            values = [self.operand(argument, dot, root, where) for argument in arguments]
            if have:
                values.append(result)
            if function is None:
                result = values[0]
            else:
                result = self.call(function, values, where)
            have = True
        return result

    def call(self, function, values, where):
        if function == 'default':
            fallback, given = values
            return fallback if empty(given) else given
        if function == 'quote':
            value = values[0]
            return json.dumps(scalar_text(value, f"{where}: the value quoted"), ensure_ascii=False)
        if function == 'required':
            message, given = values
            if empty(given):
                raise TemplateError(f"{where}: required: {message}")
            return given
        if function == 'include':
            name, argument = values
            if name not in self.defines:
                raise TemplateError(f"{where}: include of {name!r}, which no template defines")
            self.depth += 1
            if self.depth > self.depth_limit:
                raise TemplateError(f"{where}: include nested too deeply (recursion?)")
            try:
                return self.render(self.defines[name], argument, argument)
            finally:
                self.depth -= 1
        if function == 'toYaml':
            return to_yaml(values[0])
        if function in ('nindent', 'indent'):
            width, text = values
            text = scalar_text(text, f"{where}: the text indented")
            return ('\n' if function == 'nindent' else '') + indent_text(width, text)
        raise TemplateError(f"{where}: unknown function {function}")

    def render(self, nodes, dot, root):
        out = []
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Output):
                value = self.pipeline(node.pipeline, dot, root, node.where)
                out.append(scalar_text(value, f"{node.where}: the value printed"))
            elif isinstance(node, If):
                value = self.pipeline(node.pipeline, dot, root, node.where)
                out.append(self.render(node.otherwise if empty(value) else node.then, dot, root))
            elif isinstance(node, Range):
                value = self.pipeline(node.pipeline, dot, root, node.where)
                if isinstance(value, dict):
                    items = [value[key] for key in sorted(value)]
                elif isinstance(value, list):
                    items = value
                elif value is None:
                    items = []
                else:
                    raise TemplateError(f"{node.where}: range over a {type(value).__name__}")
                if items:
                    out.extend(self.render(node.then, item, root) for item in items)
                else:
                    out.append(self.render(node.otherwise, dot, root))
        return ''.join(out)


# ---------------------------------------------------------------- values and the chart

def merge(base, override):
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_set(assignment):
    if '=' not in assignment:
        raise TemplateError(f"--set {assignment!r}: expected KEY=VALUE")
    key, value = assignment.split('=', 1)
    if any(char in assignment for char in ',[]{}\\') or not re.fullmatch(r'[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*', key):
        raise TemplateError(f"--set {assignment!r}: only KEY.PATH=SCALAR is supported (no lists, commas or escapes)")
    if value in ('true', 'false'):
        parsed = value == 'true'
    elif value == 'null':
        parsed = None
    elif re.fullmatch(r'-?\d+', value):
        parsed = int(value)
    else:
        parsed = value
    tree = parsed
    for part in reversed(key.split('.')):
        tree = {part: tree}
    return tree


def load_yaml_file(path):
    with open(path) as handle:
        data = yaml.safe_load(handle)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: expected a map at the top level")
    return data


def load_chart(chart_dir):
    meta = load_yaml_file(os.path.join(chart_dir, 'Chart.yaml'))
    if meta.get('apiVersion') != 'v2':
        raise TemplateError(f"{chart_dir}/Chart.yaml: apiVersion must be v2")
    for field in ('name', 'version'):
        if not meta.get(field):
            raise TemplateError(f"{chart_dir}/Chart.yaml: {field} is required")
    if meta.get('dependencies'):
        raise TemplateError(f"{chart_dir}/Chart.yaml: dependencies are not supported")
    templates_dir = os.path.join(chart_dir, 'templates')
    defines, parsed = {}, {}
    for name in sorted(os.listdir(templates_dir)):
        path = os.path.join(templates_dir, name)
        if os.path.isdir(path):
            raise TemplateError(f"{path}: subdirectories of templates/ are not supported")
        if not (name.endswith('.yaml') or name.endswith('.tpl') or name == 'NOTES.txt'):
            raise TemplateError(f"{path}: unexpected file in templates/")
        with open(path) as handle:
            parsed[name] = parse(handle.read(), f"templates/{name}", defines)
    return meta, defines, parsed


def render_chart(chart_dir, value_files=(), sets=(), release='tide', namespace='default'):
    """(manifest text, NOTES text, documents) of one install."""
    meta, defines, parsed = load_chart(chart_dir)
    values = load_yaml_file(os.path.join(chart_dir, 'values.yaml'))
    for path in value_files:
        values = merge(values, load_yaml_file(path))
    for assignment in sets:
        values = merge(values, parse_set(assignment))
    schema_path = os.path.join(chart_dir, 'values.schema.json')
    if os.path.exists(schema_path):
        import jsonschema
        with open(schema_path) as handle:
            schema = json.load(handle)
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(values), key=lambda e: list(e.path))
        if errors:
            raise TemplateError('values do not match values.schema.json:\n' + '\n'.join(
                f"  {'.'.join(str(p) for p in error.path) or '(top)'}: {error.message}" for error in errors))
    root = {
        'Values': values,
        'Release': {'Name': release, 'Namespace': namespace, 'Service': 'Helm'},
        'Chart': {'Name': meta['name'], 'Version': meta['version'], 'AppVersion': meta.get('appVersion', '')},
    }
    renderer = Renderer(defines)
    manifest, documents, notes = [], [], ''
    for name, nodes in parsed.items():
        if name.startswith('_'):
            if renderer.render(nodes, root, root).strip():
                raise TemplateError(f"templates/{name}: a helper file may only define templates")
            continue
        text = renderer.render(nodes, root, root)
        if name == 'NOTES.txt':
            notes = text
            continue
        for chunk in re.split(r'^---[ \t]*$', text, flags=re.MULTILINE):
            try:
                document = yaml.safe_load(chunk)
            except yaml.YAMLError as error:
                raise TemplateError(f"templates/{name}: the rendered YAML does not parse: {error}\n{chunk}")
            if document is None:
                continue
            if not isinstance(document, dict) or not all(
                    document.get(field) for field in ('apiVersion', 'kind')) or \
                    not (document.get('metadata') or {}).get('name'):
                raise TemplateError(f"templates/{name}: a document without apiVersion, kind or metadata.name:\n{chunk}")
            documents.append(document)
            manifest.append(f"---\n# Source: {meta['name']}/templates/{name}\n{chunk.strip(chr(10))}\n")
    return ''.join(manifest), notes, documents


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('chart')
    parser.add_argument('-f', '--values', action='append', default=[])
    parser.add_argument('--set', action='append', default=[])
    parser.add_argument('--release-name', default='tide')
    parser.add_argument('--namespace', default='default')
    parser.add_argument('--output', help='write the manifests here (default: stdout)')
    parser.add_argument('--notes', help='write the rendered NOTES.txt here')
    args = parser.parse_args(argv)
    try:
        manifest, notes, _ = render_chart(args.chart, args.values, args.set, args.release_name, args.namespace)
    except (TemplateError, OSError, yaml.YAMLError) as error:
        print(f"render-chart: {error}", file=sys.stderr)
        return 1
    if args.output:
        os.makedirs(os.path.dirname(args.output) or '.', exist_ok=True)
        with open(args.output, 'w') as handle:
            handle.write(manifest)
    else:
        sys.stdout.write(manifest)
    if args.notes:
        with open(args.notes, 'w') as handle:
            handle.write(notes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
