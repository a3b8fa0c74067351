package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.plugin.cloudimage.qemu.Qcow2Header;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qcow2HeaderTest {

    @TempDir
    Path dir;

    private long qemuImgSays(Path image) {
        String info = Tools.run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString());
        return Long.parseLong(info.replaceAll("(?s).*\"virtual-size\": (\\d+).*", "$1"));
    }

    @Test
    void readsTheVirtualSizeQemuImgReportsForVersion2And3() throws IOException {
        for (String compat : new String[] {"0.10", "1.1"}) {
            for (String size : new String[] {"1M", "10G", "100G", "3000000000"}) {
                Path image = dir.resolve(compat + "-" + size + ".qcow2");
                Tools.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=" + compat, image.toString(), size);

                assertEquals(qemuImgSays(image), Qcow2Header.virtualSize(image), image.toString());
            }
        }
    }

    @Test
    void refusesWhatIsNotQcow2() throws IOException {
        Path raw = dir.resolve("disk.raw");
        Files.write(raw, new byte[4096]);
        Path tooShort = dir.resolve("short.qcow2");
        Files.write(tooShort, new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});

        assertThrows(IOException.class, () -> Qcow2Header.virtualSize(raw));
        assertThrows(IOException.class, () -> Qcow2Header.virtualSize(tooShort));
    }
}
