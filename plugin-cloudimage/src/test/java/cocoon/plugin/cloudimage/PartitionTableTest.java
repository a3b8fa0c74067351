package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.plugin.cloudimage.qemu.PartitionTable;
import cocoon.plugin.cloudimage.qemu.PartitionTable.EfiPartition;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** UEFI firmware boots only from an EFI system partition; these are the disk heads it would read. */
class PartitionTableTest {

    private static final String ESP = "28732ac11ff8d211ba4b00a0c93ec93b";
    private static final String LINUX = "af3dc60f838472478e793d69d8477de4";

    /** A GPT head with one partition entry of each given type (as stored), sectors of {@code sector} bytes. */
    private static byte[] gpt(int sector, String... types) {
        ByteBuffer disk = ByteBuffer.allocate(PartitionTable.HEAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        disk.put(450, (byte) 0xee).put(510, (byte) 0x55).put(511, (byte) 0xaa);
        disk.put(sector, "EFI PART".getBytes(StandardCharsets.US_ASCII));
        disk.putLong(sector + 72, 2).putInt(sector + 80, 128).putInt(sector + 84, 128);
        for (int i = 0; i < types.length; i++) {
            disk.put(2 * sector + 128 * i, HexFormat.of().parseHex(types[i]));
        }
        return disk.array();
    }

    @Test
    void aGptDiskWithAnEspBootsWithEitherSectorSize() {
        assertEquals(EfiPartition.FOUND, PartitionTable.efiPartition(gpt(512, LINUX, ESP)));
        assertEquals(EfiPartition.FOUND, PartitionTable.efiPartition(gpt(4096, ESP)));
    }

    @Test
    void aGptDiskWithOnlyALinuxPartitionHasNoEsp() {
        assertEquals(EfiPartition.ABSENT, PartitionTable.efiPartition(gpt(512, LINUX)));
    }

    @Test
    void anMbrDiskNeedsAPartitionOfTypeEf() {
        byte[] mbr = new byte[PartitionTable.HEAD_BYTES];
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xaa;
        mbr[446 + 4] = (byte) 0x83;
        assertEquals(EfiPartition.ABSENT, PartitionTable.efiPartition(mbr));
        mbr[446 + 16 + 4] = (byte) 0xef;
        assertEquals(EfiPartition.FOUND, PartitionTable.efiPartition(mbr));
    }

    @Test
    void aBlankDiskOrAFileSystemWithoutTableHasNoEsp() {
        assertEquals(EfiPartition.ABSENT, PartitionTable.efiPartition(new byte[PartitionTable.HEAD_BYTES]));
    }

    @Test
    void entriesBeyondTheBytesReadAreNotHeldAgainstTheDisk() {
        byte[] head = gpt(512, LINUX);
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(512 + 72, 1L << 20);
        assertEquals(EfiPartition.UNKNOWN, PartitionTable.efiPartition(head));
    }
}
