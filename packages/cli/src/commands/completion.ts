import { Argument, Command } from 'commander';
import type { Context } from '../context.js';
import { runOf } from '../context.js';
import { example } from './help.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** A command of the tree, by its path of names (`pat list`), with its options and description. */
interface Node {
  path: string[];
  description: string;
  options: { long: string; description: string }[];
  children: string[];
}

export function completionCommand(ctx: Context, root: () => Command): Command {
  return new Command('completion')
    .description('Print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      example(
        'patina completion bash > ~/.local/share/bash-completion/completions/patina',
        'patina completion zsh > "${fpath[1]}/_patina"',
        'patina completion fish > ~/.config/fish/completions/patina.fish',
      ),
    )
    .action((...args: unknown[]) => {
      const run = runOf(ctx, args);
      const nodes = tree(root());
      const shell = args[0] as Shell;
      run.print(shell === 'fish' ? fish(nodes) : shell === 'zsh' ? zsh(nodes) : bash(nodes));
    });
}

function tree(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string[]) => {
    const options = [...command.options, ...(path.length === 0 ? [] : globalOptions(command))]
      .filter((o) => o.long && !o.hidden)
      .map((o) => ({ long: o.long!, description: o.description }));
    const children = command.commands.filter((c) => !hidden(c));
    nodes.push({
      path,
      description: command.description(),
      options: [...options, { long: '--help', description: 'show help' }],
      children: children.map((c) => c.name()),
    });
    for (const child of children) visit(child, [...path, child.name()]);
  };
  visit(program, []);
  return nodes;
}

function globalOptions(command: Command): Command['options'] {
  let top = command;
  while (top.parent) top = top.parent;
  return top.options.filter((o) => o.long !== '--version');
}

function hidden(command: Command): boolean {
  return (command as unknown as { _hidden?: boolean })._hidden === true;
}

const key = (path: string[]) => path.join(':');
const words = (node: Node) => [...node.children, ...node.options.map((o) => o.long)].join(' ');

function bash(nodes: Node[]): string {
  const known = nodes.filter((n) => n.path.length > 0).map((n) => key(n.path));
  const cases = nodes.map((n) => `    "${key(n.path)}") words="${words(n)}" ;;`).join('\n');
  return `# patina completion for bash: source it, or put it in your completions directory.
_patina() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word words
  local known=" ${known.join(' ')} "
  # The command path so far: the words that name a known (sub)command, in order.
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$known" in *" \${path:+$path:}$word "*) path="\${path:+$path:}$word" ;; esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _patina patina
`;
}

function zsh(nodes: Node[]): string {
  // zsh runs the bash function through bashcompinit, so both shells complete the same words.
  return `#compdef patina
# patina completion for zsh: put it on your $fpath as _patina, or source it.
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split('\n').slice(1).join('\n')}`;
}

function fish(nodes: Node[]): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = ['# patina completion for fish', 'complete -c patina -f'];
  for (const node of nodes) {
    // The condition: every word of the path has been typed, and no child of it yet.
    const seen = node.path.map((name) => `__fish_seen_subcommand_from ${name}`);
    const none = node.children.length
      ? [`not __fish_seen_subcommand_from ${node.children.join(' ')}`]
      : [];
    const at = node.path.length === 0 ? ['__fish_use_subcommand'] : [...seen, ...none];
    const condition = quote(at.join('; and '));
    const parent = nodes.find((n) => key(n.path) === key(node.path.slice(0, -1)));
    if (parent && node.path.length > 0) {
      const before =
        parent.path.length === 0
          ? '__fish_use_subcommand'
          : [
              ...parent.path.map((name) => `__fish_seen_subcommand_from ${name}`),
              `not __fish_seen_subcommand_from ${parent.children.join(' ')}`,
            ].join('; and ');
      lines.push(
        `complete -c patina -n ${quote(before)} -a ${node.path.at(-1)} -d ${quote(node.description)}`,
      );
    }
    for (const option of node.options) {
      if (node.path.length === 0) continue;
      lines.push(
        `complete -c patina -n ${condition} -l ${option.long.slice(2)} -d ${quote(option.description)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
