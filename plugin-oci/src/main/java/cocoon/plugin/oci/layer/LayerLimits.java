package cocoon.plugin.oci.layer;

/**
 * Bounds on what one layer may unpack to, so a hostile or broken layer cannot fill the disk.
 *
 * @param maxBytes      file bytes one layer may unpack to
 * @param maxEntries    tar entries one layer may hold
 * @param minFreeBytes  space that must stay free on the file system of the temp folder
 */
public record LayerLimits(long maxBytes, long maxEntries, long minFreeBytes) {}
