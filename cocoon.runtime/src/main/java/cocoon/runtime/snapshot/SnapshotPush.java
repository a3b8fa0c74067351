package cocoon.runtime.snapshot;

import cocoon.api.Artifacts;
import cocoon.api.CocoonException;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.store.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pushes a snapshot to a registry as an OCI artifact: its config is the export's manifest (which names the image
 * and kernel image by digest, so their layers are not sent), each file of its folder a blob of its own, and the base
 * of an image that cannot be fetched again by digest (a cloud image's) one more, last: a second snapshot of a VM of the
 * same image finds it in the repository and does not send it again.
 */
public final class SnapshotPush {

    /** What the artifact is: its config's media type. */
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.cocoon.snapshot.config.v1+json";
    /** A file of the snapshot's folder, as its data extents one after the other ({@link ExportManifest.Member}). */
    public static final String FILE_MEDIA_TYPE = "application/vnd.cocoon.snapshot.file.v1";
    /** An image's base disk ({@link ExportManifest#base}), as its data extents one after the other. */
    public static final String BASE_MEDIA_TYPE = "application/vnd.cocoon.snapshot.base.v1";

    private final SnapshotStore snapshots;
    private final ImageCatalog images;

    public SnapshotPush(SnapshotStore snapshots, ImageCatalog images) {
        this.snapshots = snapshots;
        this.images = images;
    }

    /**
     * Pushes the snapshot {@code nameOrId} to {@code reference}; returns the record, the pushed manifest's digest and
     * what was sent.
     */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public Pushed push(String nameOrId, Artifacts artifacts, String reference, boolean insecure) {
        try (var held = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord record = snapshots.resolve(nameOrId);
            Path folder = snapshots.folder(record.id());
            try {
                List<Path> files = SnapshotExport.files(folder);
                Optional<Path> base = SnapshotExport.base(record, folder, images);
                ExportManifest manifest = SnapshotExport.manifest(record, folder, files, base);
                Map<String, Path> fileOf = new HashMap<>();
                Map<String, ExportManifest.Member> memberOf = new HashMap<>();
                List<Artifacts.Blob> blobs = new ArrayList<>();
                for (int i = 0; i < files.size(); i++) {
                    ExportManifest.Member member = manifest.members().get(i);
                    fileOf.put("sha256:" + member.sha256(), files.get(i));
                    memberOf.put("sha256:" + member.sha256(), member);
                    blobs.add(new Artifacts.Blob(FILE_MEDIA_TYPE, "sha256:" + member.sha256(), member.size()));
                }
                if (base.isPresent()) {
                    ExportManifest.Member member = manifest.base();
                    fileOf.put("sha256:" + member.sha256(), base.get());
                    memberOf.put("sha256:" + member.sha256(), member);
                    blobs.add(new Artifacts.Blob(BASE_MEDIA_TYPE, "sha256:" + member.sha256(), member.size()));
                }
                List<Artifacts.Blob> sent = new ArrayList<>();
                Artifacts.Manifest pushed = artifacts.push(
                        reference,
                        new Artifacts.Manifest(
                                CONFIG_MEDIA_TYPE, Json.mapper().writeValueAsString(manifest), blobs, null),
                        (blob, out) -> {
                            sent.add(blob);
                            SnapshotExport.copyExtents(fileOf.get(blob.digest()), memberOf.get(blob.digest()), out);
                        },
                        insecure);
                return new Pushed(record, pushed.digest(), blobs, sent);
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot push snapshot " + record.name() + ": " + e.getMessage(),
                        "check permissions under " + folder);
            }
        }
    }

    /**
     * A pushed snapshot.
     *
     * @param blobs the artifact's blobs, the base last if it has one
     * @param sent  those the repository lacked, which were uploaded
     */
    public record Pushed(
            SnapshotRecord snapshot, String digest, List<Artifacts.Blob> blobs, List<Artifacts.Blob> sent) {
        public Pushed {
            blobs = List.copyOf(blobs);
            sent = List.copyOf(sent);
        }
    }
}
