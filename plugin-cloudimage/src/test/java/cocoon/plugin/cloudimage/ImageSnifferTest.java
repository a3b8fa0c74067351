package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.plugin.cloudimage.qemu.ImageSniffer;
import cocoon.plugin.cloudimage.qemu.SourceFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rule for "a disk image", checked on files qemu-img makes. */
class ImageSnifferTest {

    @TempDir
    Path dir;

    @Test
    void formatsAreRecognisedByTheirHeaders() throws Exception {
        byte[] raw = TestImages.raw(2);
        TestImages images = new TestImages(dir);
        assertEquals(SourceFormat.RAW, sniff(raw));
        assertEquals(SourceFormat.QCOW2, sniff(images.convert(raw, "qcow2")));
        assertEquals(SourceFormat.VMDK, sniff(images.convert(raw, "vmdk")));
        assertEquals(SourceFormat.VHDX, sniff(images.convert(raw, "vhdx")));
        assertEquals(SourceFormat.VPC, sniff(images.convert(raw, "vpc")));
        assertEquals(SourceFormat.VDI, sniff(images.convert(raw, "vdi")));
    }

    @Test
    void rawNeedsWholeSectorsAndABootSignature() throws Exception {
        byte[] raw = TestImages.raw(2);
        byte[] oddSize = java.util.Arrays.copyOf(raw, raw.length - 1);
        byte[] unsigned = raw.clone();
        unsigned[511] = 0;

        assertThrows(NotADiskImageException.class, () -> sniff(oddSize));
        assertThrows(NotADiskImageException.class, () -> sniff(unsigned));
        assertThrows(NotADiskImageException.class, () -> sniff(new byte[0]));
    }

    private SourceFormat sniff(byte[] bytes) throws Exception {
        Path file = Files.write(Files.createTempFile(dir, "sniff", ".img"), bytes);
        return ImageSniffer.sniff(file, "test");
    }
}
