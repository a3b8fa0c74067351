package cocoon.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.InvalidInputException;
import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void parsesBinaryUnitsDecimalsAndPlainBytes() {
        assertEquals(512L << 20, Sizes.parse("512M"));
        assertEquals(2L << 30, Sizes.parse("2G"));
        assertEquals(3L << 29, Sizes.parse("1.5G"));
        assertEquals(1L << 20, Sizes.parse("1024K"));
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(1L << 30, Sizes.parse("1g"));
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(1L << 40, Sizes.parse("1T"));
        assertEquals(512, Sizes.parse("0.5K"));
        assertEquals(8388607L << 40, Sizes.parse("8388607T"));
    }

    @Test
    void rejectsWhatIsNotASize() {
        for (String bad : new String[] {
            "10X", "", "-1G", "G", "1.5", "1..5G", "9999999999T", "8388608T", "99999999999999999999", "1.0000001K"
        }) {
            assertThrows(InvalidInputException.class, () -> Sizes.parse(bad), bad);
        }
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertEquals("1G", Sizes.format(1L << 30));
        assertEquals("1.5G", Sizes.format(3L << 29));
        assertEquals("512M", Sizes.format(512L << 20));
        assertEquals("1000B", Sizes.format(1000));
        assertEquals("1280M", Sizes.format(5L << 28));
        assertEquals("10G", Sizes.format(10L << 30));
        assertEquals("1.5K", Sizes.format(1536));
        assertEquals("1.2G", Sizes.human((long) (1.2 * (1L << 30))));
    }
}
