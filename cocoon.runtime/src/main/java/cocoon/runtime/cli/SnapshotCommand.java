package cocoon.runtime.cli;

import picocli.CommandLine;

/** {@code cocoon snapshot save|ls|inspect|rm|export|import|push|pull}: the snapshot commands, one class each. */
final class SnapshotCommand extends CliCommand {

    SnapshotCommand(CocoonCommand root) {
        super(
                "Save VMs as snapshots; list, inspect, remove, export, import, push and pull snapshots. cocoon clone and cocoon restore use them.");
        add("save", new SnapshotSaveCommand(root));
        add("list", new SnapshotListCommand(root), "ls");
        add("inspect", new SnapshotInspectCommand(root));
        add("rm", new SnapshotRmCommand(root));
        add("export", new SnapshotExportCommand(root));
        add("import", new SnapshotImportCommand(root));
        add("push", new SnapshotPushCommand(root));
        add("pull", new SnapshotPullCommand(root));
    }

    private void add(String name, CliCommand command, String... aliases) {
        spec().addSubcommand(name, new CommandLine(command.spec().name(name).aliases(aliases)));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec().commandLine(), "missing snapshot command: save, ls, inspect, rm, export, import, push or pull");
    }
}
