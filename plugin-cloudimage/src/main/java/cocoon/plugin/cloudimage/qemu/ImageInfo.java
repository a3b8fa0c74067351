package cocoon.plugin.cloudimage.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code qemu-img info --output=json} says about one image.
 *
 * @param backingFile   the backing file it names, or null
 * @param dataFile      a qcow2 external data file, or null
 * @param extentFiles   the files a VMDK reads its data from (itself, for the formats we accept)
 */
public record ImageInfo(
        String format, long virtualSize, String backingFile, String dataFile, List<String> extentFiles) {

    public ImageInfo {
        extentFiles = List.copyOf(extentFiles);
    }

    static ImageInfo parse(String json) {
        Map<?, ?> root = (Map<?, ?>) JsonText.parse(json);
        Map<?, ?> specific = root.get("format-specific") instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> data = specific.get("data") instanceof Map<?, ?> m ? m : Map.of();
        List<String> extents = new ArrayList<>();
        if (data.get("extents") instanceof List<?> list) {
            for (Object extent : list) {
                if (extent instanceof Map<?, ?> e && e.get("filename") instanceof String name) {
                    extents.add(name);
                }
            }
        }
        return new ImageInfo(
                (String) root.get("format"),
                ((Number) root.get("virtual-size")).longValue(),
                (String) root.get("backing-filename"),
                (String) data.get("data-file"),
                extents);
    }
}
