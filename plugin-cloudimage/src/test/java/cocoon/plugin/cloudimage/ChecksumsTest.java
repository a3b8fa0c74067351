package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.InvalidInputException;
import cocoon.plugin.cloudimage.download.Checksums;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChecksumsTest {

    private static final String A = "a".repeat(64);
    private static final String B = "B".repeat(64);

    @Test
    void gnuLinesInTextAndBinaryModeAreMatchedByExactFileName() {
        String sums = A + "  debian-12-genericcloud-amd64.qcow2\n" + B + " *debian-12-genericcloud-amd64.raw\n";

        assertEquals(Optional.of(A), Checksums.find(sums, "debian-12-genericcloud-amd64.qcow2"));
        assertEquals(Optional.of("b".repeat(64)), Checksums.find(sums, "debian-12-genericcloud-amd64.raw"));
        assertEquals(Optional.empty(), Checksums.find(sums, "genericcloud-amd64.qcow2"));
    }

    @Test
    void bsdLinesAsFedoraWritesThemAreUnderstood() {
        String sums = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n# Fedora-Cloud-Base.qcow2: 1 bytes\n"
                + "SHA256 (Fedora-Cloud-Base.qcow2) = " + A + "\n";

        assertEquals(Optional.of(A), Checksums.find(sums, "Fedora-Cloud-Base.qcow2"));
    }

    @Test
    void checksumOptionMustBeSha256Hex() {
        assertEquals(A, Checksums.parseOption("sha256:" + A));
        assertEquals("b".repeat(64), Checksums.parseOption(B));
        assertThrows(InvalidInputException.class, () -> Checksums.parseOption("md5:abc"));
        assertThrows(InvalidInputException.class, () -> Checksums.parseOption("sha256:" + A.substring(1)));
    }
}
