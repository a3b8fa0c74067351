package cocoon.runtime.snapshot;

import cocoon.api.Artifacts;
import cocoon.api.CocoonException;
import cocoon.runtime.store.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pushes a snapshot to a registry as an OCI artifact: its config is the export's manifest (which names the image
 * and kernel image by digest, so their layers are not sent), each file of its folder a blob of its own.
 */
public final class SnapshotPush {

    /** What the artifact is: its config's media type. */
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.cocoon.snapshot.config.v1+json";
    /** A file of the snapshot's folder, as its data extents one after the other ({@link ExportManifest.Member}). */
    public static final String FILE_MEDIA_TYPE = "application/vnd.cocoon.snapshot.file.v1";

    private final SnapshotStore snapshots;

    public SnapshotPush(SnapshotStore snapshots) {
        this.snapshots = snapshots;
    }

    /** Pushes the snapshot {@code nameOrId} to {@code reference}; returns the record and the pushed manifest's digest. */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public Pushed push(String nameOrId, Artifacts artifacts, String reference, boolean insecure) {
        try (var held = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord record = snapshots.resolve(nameOrId);
            Path folder = snapshots.folder(record.id());
            try {
                List<Path> files = SnapshotExport.files(folder);
                ExportManifest manifest = SnapshotExport.manifest(record, folder, files);
                Map<String, Path> fileOf = new HashMap<>();
                Map<String, ExportManifest.Member> memberOf = new HashMap<>();
                for (int i = 0; i < files.size(); i++) {
                    ExportManifest.Member member = manifest.members().get(i);
                    fileOf.put("sha256:" + member.sha256(), files.get(i));
                    memberOf.put("sha256:" + member.sha256(), member);
                }
                Artifacts.Manifest pushed = artifacts.push(
                        reference,
                        new Artifacts.Manifest(
                                CONFIG_MEDIA_TYPE,
                                Json.mapper().writeValueAsString(manifest),
                                manifest.members().stream()
                                        .map(member -> new Artifacts.Blob(
                                                FILE_MEDIA_TYPE, "sha256:" + member.sha256(), member.size()))
                                        .toList(),
                                null),
                        (blob, out) ->
                                SnapshotExport.copyExtents(fileOf.get(blob.digest()), memberOf.get(blob.digest()), out),
                        insecure);
                return new Pushed(record, pushed.digest());
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot push snapshot " + record.name() + ": " + e.getMessage(),
                        "check permissions under " + folder);
            }
        }
    }

    public record Pushed(SnapshotRecord snapshot, String digest) {}
}
