package cocoon.plugin.cloudimage.qemu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads the partition table from the first bytes of a disk, as UEFI firmware would, to tell whether it has an
 * EFI system partition: a GPT entry of type {@code C12A7328-F81F-11D2-BA4B-00A0C93EC93B} (sectors of 512 or 4096
 * bytes), or an MBR entry of type {@code 0xEF}.
 */
public final class PartitionTable {

    /** Enough for the MBR, the GPT header and its usual 128 entries with either sector size. */
    public static final int HEAD_BYTES = 1 << 20;

    public enum EfiPartition {
        FOUND,
        ABSENT,
        /** The GPT's entries lie beyond the bytes read. */
        UNKNOWN
    }

    /** The ESP type GUID as GPT stores it: the first three fields little-endian. */
    private static final byte[] ESP_TYPE = HexFormat.of().parseHex("28732ac11ff8d211ba4b00a0c93ec93b");

    private static final byte[] GPT_SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);
    private static final int MBR_ENTRIES = 446;
    private static final int MBR_ESP = 0xef;
    private static final int MBR_PROTECTIVE = 0xee;

    private PartitionTable() {}

    public static EfiPartition efiPartition(byte[] head) {
        for (int sector : new int[] {512, 4096}) {
            if (head.length >= sector + GPT_SIGNATURE.length
                    && Arrays.equals(
                            head, sector, sector + GPT_SIGNATURE.length, GPT_SIGNATURE, 0, GPT_SIGNATURE.length)) {
                return gpt(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN), sector);
            }
        }
        if (head.length < 512 || (head[510] & 0xff) != 0x55 || (head[511] & 0xff) != 0xaa) {
            return EfiPartition.ABSENT;
        }
        for (int i = 0; i < 4; i++) {
            int type = head[MBR_ENTRIES + 16 * i + 4] & 0xff;
            if (type == MBR_ESP) {
                return EfiPartition.FOUND;
            }
            if (type == MBR_PROTECTIVE) {
                // A protective MBR whose GPT header is not where either sector size puts it.
                return EfiPartition.UNKNOWN;
            }
        }
        return EfiPartition.ABSENT;
    }

    private static EfiPartition gpt(ByteBuffer disk, int sector) {
        long entriesLba = disk.getLong(sector + 72);
        long count = Integer.toUnsignedLong(disk.getInt(sector + 80));
        long entrySize = Integer.toUnsignedLong(disk.getInt(sector + 84));
        if (entrySize < ESP_TYPE.length || count == 0) {
            return EfiPartition.ABSENT;
        }
        long start = entriesLba * sector;
        for (long i = 0; i < count; i++) {
            long offset = start + i * entrySize;
            if (offset < 0 || offset + ESP_TYPE.length > disk.capacity()) {
                return EfiPartition.UNKNOWN;
            }
            byte[] type = new byte[ESP_TYPE.length];
            disk.get((int) offset, type);
            if (Arrays.equals(type, ESP_TYPE)) {
                return EfiPartition.FOUND;
            }
        }
        return EfiPartition.ABSENT;
    }
}
