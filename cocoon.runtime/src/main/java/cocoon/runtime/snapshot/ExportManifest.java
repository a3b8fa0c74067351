package cocoon.runtime.snapshot;

import cocoon.api.VmRecord;
import java.util.List;

/**
 * The first member of an export: what the other members are and what the snapshot needs on the host it lands on.
 *
 * @param format      {@link #FORMAT}; an importer refuses any other
 * @param image       the image the snapshot's VM was made from, by digest: the importing host must have it pulled
 * @param kernelImage the kernel image the VM booted with, or null when it booted the image's own kernel
 * @param sharedDisks the file names of the read-only disks (image layers) the snapshot shares with those images; they
 *                    are not in the export, the importing host's own copies stand in
 * @param snapshot    the record, its paths inside the snapshot's folder made relative to it
 * @param members     every file of the snapshot's folder, in the order they follow
 * @param base        the member {@link #BASE}{@code <file name>} that carries the base disk the snapshot's writable
 *                    disk stands on, for an image its source cannot fetch again by digest (a cloud image: its URL
 *                    serves what it serves today), following the members; null when the image travels by digest
 *                    or the export left the base out
 */
record ExportManifest(
        String format,
        VmRecord.ImageRef image,
        VmRecord.ImageRef kernelImage,
        List<String> sharedDisks,
        SnapshotRecord snapshot,
        List<Member> members,
        Member base) {

    static final String FORMAT = "cocoon-snapshot/1";
    static final String NAME = "manifest.json";
    /** Members hold the snapshot folder's files under this prefix, so no file of it can pass for the manifest. */
    static final String FILES = "snapshot/";
    /** The base member's prefix, apart from the snapshot's files: it lands in the image's store, not the snapshot. */
    static final String BASE = "image/";

    ExportManifest {
        sharedDisks = sharedDisks == null ? List.of() : List.copyOf(sharedDisks);
        members = members == null ? List.of() : List.copyOf(members);
    }

    /**
     * One file of the snapshot's folder: a sparse disk travels as its data only, so a 10G disk with 50M written
     * exports 50M.
     *
     * @param name     {@link #FILES} and the file's path inside the folder
     * @param size     bytes of the member: the extents' data, one after the other
     * @param sha256   of those bytes, lower-case hex
     * @param fileSize the file's length, holes included
     * @param extents  where the data lies in the file, ascending and apart; everything else is a hole
     */
    record Member(String name, long size, String sha256, long fileSize, List<Extent> extents) {
        Member {
            extents = extents == null ? List.of() : List.copyOf(extents);
        }
    }

    record Extent(long offset, long length) {}
}
