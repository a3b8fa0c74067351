package cocoon.runtime.cli;

import cocoon.runtime.progress.ProgressRenderer;
import cocoon.runtime.snapshot.SnapshotImport;
import cocoon.runtime.snapshot.SnapshotRecord;

/** {@code cocoon snapshot pull REF}: a snapshot that cocoon snapshot push put in a registry. */
final class SnapshotPullCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> reference = parameter(0, "REF", "registry/repository:tag or @digest");
    private final Value<String> name =
            option(String.class, "NAME", "Name of the pulled snapshot (default: its pushed name).", "--name");
    private final Flag insecure = flag("Accept any TLS certificate and plain HTTP.", "--insecure");

    SnapshotPullCommand(CocoonCommand root) {
        super("Pull a snapshot that cocoon snapshot push put in a registry; every blob is checked against its sha256"
                + " and nothing is stored unless all match. An image it needs that is not pulled here is pulled from"
                + " its registry by digest; a cloud image's base comes with the snapshot.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        // Its lines say what a fetch by digest or a stored base did; no closing line, most imports fetch nothing.
        ProgressRenderer progress = ProgressRenderer.forStderr(false);
        SnapshotRecord record = new SnapshotImport(app.snapshots(), app.images(), progress)
                .pull(
                        SnapshotPushCommand.artifacts(app, reference.get()),
                        reference.get(),
                        insecure.isSet(),
                        name.get());
        System.out.println(record.name() + " " + record.id());
    }
}
