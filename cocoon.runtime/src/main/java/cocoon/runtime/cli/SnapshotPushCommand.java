package cocoon.runtime.cli;

import cocoon.api.Artifacts;
import cocoon.api.InvalidInputException;
import cocoon.runtime.config.Sizes;
import cocoon.runtime.snapshot.SnapshotPush;
import cocoon.runtime.snapshot.SnapshotRecord;
import java.util.List;

/** {@code cocoon snapshot push SNAP REGISTRY/REPO:TAG}: the snapshot as an OCI artifact in a registry. */
final class SnapshotPushCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> snapshot = parameter(0, "SNAPSHOT", "snapshot name or id prefix");
    private final Value<String> reference = parameter(1, "REF", "registry/repository:tag to push to");
    private final Flag insecure = flag("Accept any TLS certificate and plain HTTP.", "--insecure");

    SnapshotPushCommand(CocoonCommand root) {
        super("Push a snapshot to a registry as an OCI artifact: its disks and memory state as blobs, its image and"
                + " kernel image named by digest (their layers are not sent); a cloud image's base is a blob of its"
                + " own, sent once per repository. cocoon snapshot pull brings it back.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        SnapshotRecord record = app.snapshots().resolve(snapshot.get());
        if (record.hasMemory()) {
            System.err.println("cocoon: snapshot " + record.name() + " holds the guest's memory, and with it its"
                    + " secrets (keys, passwords): whoever can pull " + reference.get() + " can read them");
        }
        SnapshotPush.Pushed pushed = new SnapshotPush(app.snapshots(), app.images())
                .push(record.id(), artifacts(app, reference.get()), reference.get(), insecure.isSet());
        List<Artifacts.Blob> sent = pushed.sent().stream().distinct().toList();
        long bytes = sent.stream().mapToLong(Artifacts.Blob::size).sum();
        System.err.println(
                "cocoon: sent " + sent.size() + " of " + pushed.blobs().size() + " blobs ("
                        + Sizes.format(bytes) + ")"
                        + (sent.size() < pushed.blobs().size() ? "; the repository had the others" : ""));
        System.out.println(reference.get() + " " + pushed.digest());
    }

    /** The registry client of the image source that handles {@code reference}. */
    static Artifacts artifacts(App app, String reference) {
        return app.plugins()
                .sourceFor(reference)
                .artifacts()
                .orElseThrow(() -> new InvalidInputException(
                        reference + " is not a registry reference", "name one as registry/repository:tag"));
    }
}
