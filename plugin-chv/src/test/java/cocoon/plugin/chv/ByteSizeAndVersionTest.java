package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.chv.cli.ByteSize;
import cocoon.plugin.chv.cli.ChvVersion;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ByteSizeAndVersionTest {

    @Test
    void sizesUseTheLargestExactBinarySuffix() {
        assertEquals("0", ByteSize.format(0));
        assertEquals("512M", ByteSize.format(512L << 20));
        assertEquals("2G", ByteSize.format(2L << 30));
        assertEquals("1536M", ByteSize.format(1536L << 20));
        assertEquals("4K", ByteSize.format(4096));
        assertEquals("1000", ByteSize.format(1000));
        assertEquals("1048577", ByteSize.format((1L << 20) + 1));
    }

    @Test
    void versionsParseFromReleaseAndGitBuilds() {
        assertEquals(Optional.of(new ChvVersion(54, 0, 0)), ChvVersion.parse("cloud-hypervisor v54.0.0\n"));
        assertEquals(
                Optional.of(new ChvVersion(38, 0, 0)), ChvVersion.parse("cloud-hypervisor v38.0-12-g1234abcd-dirty"));
        assertEquals(Optional.of(new ChvVersion(50, 1, 0)), ChvVersion.parse("cloud-hypervisor v50.1"));
        assertEquals(Optional.empty(), ChvVersion.parse("qemu-system-x86_64 version 7.2.0"));
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(new ChvVersion(100, 0, 0).atLeast(ChvVersion.MINIMUM));
        assertTrue(new ChvVersion(38, 0, 0).atLeast(ChvVersion.MINIMUM));
        assertFalse(new ChvVersion(37, 9, 9).atLeast(ChvVersion.MINIMUM));
        assertTrue(new ChvVersion(50, 1, 0).compareTo(new ChvVersion(50, 0, 7)) > 0);
    }
}
