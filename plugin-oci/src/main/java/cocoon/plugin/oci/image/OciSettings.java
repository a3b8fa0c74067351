package cocoon.plugin.oci.image;

import cocoon.api.Setting;
import cocoon.api.SettingValues;
import cocoon.plugin.oci.layer.LayerLimits;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The {@code [oci]} config section as the image source reads it; each key's declaration says what it means.
 *
 * @param erofsCompression {@code mkfs.erofs -z} argument, or empty for none
 */
public record OciSettings(int parallelDownloads, String erofsCompression, LayerLimits limits, Duration toolTimeout) {

    static final Setting<Long> PARALLEL_DOWNLOADS =
            Setting.wholeNumber("parallel_downloads", 3, 1, 16, "layers fetched and converted at the same time");
    /** mkfs.erofs 1.5 knows lz4 and lz4hc, the latter with levels 0 to 12. */
    static final Setting<String> EROFS_COMPRESSION = Setting.choice(
            "erofs_compression",
            "",
            Stream.concat(
                            Stream.of("", "lz4", "lz4hc"),
                            IntStream.rangeClosed(0, 12).mapToObj(level -> "lz4hc," + level))
                    .toList(),
            "compressor of the layers' EROFS images (mkfs.erofs -z on the unpacked layer); empty for none, written"
                    + " straight from the layer's tar");

    static final Setting<Long> MAX_LAYER_SIZE = Setting.size(
                    "max_layer_size",
                    64L << 30,
                    "file bytes one layer may unpack to, so a tar bomb cannot fill the disk")
            .renamedFrom("max_layer_bytes");
    static final Setting<Long> MAX_LAYER_ENTRIES =
            Setting.wholeNumber("max_layer_entries", 2_000_000, 1, 1_000_000_000, "tar entries one layer may hold");
    static final Setting<Long> MIN_FREE = Setting.size(
                    "min_free", 1L << 30, "space that must stay free in the root dir's file system while layers unpack")
            .renamedFrom("min_free_bytes");
    static final Setting<Duration> TOOL_TIMEOUT = Setting.duration(
                    "tool_timeout", Duration.ofHours(1), "how long one mkfs.erofs or zstd run may take")
            .renamedFrom("tool_timeout_seconds");

    public static final List<Setting<?>> DECLARED =
            List.of(PARALLEL_DOWNLOADS, EROFS_COMPRESSION, MAX_LAYER_SIZE, MAX_LAYER_ENTRIES, MIN_FREE, TOOL_TIMEOUT);

    public static OciSettings from(SettingValues settings) {
        return new OciSettings(
                Math.toIntExact(settings.get(PARALLEL_DOWNLOADS)),
                settings.get(EROFS_COMPRESSION),
                new LayerLimits(settings.get(MAX_LAYER_SIZE), settings.get(MAX_LAYER_ENTRIES), settings.get(MIN_FREE)),
                settings.get(TOOL_TIMEOUT));
    }
}
