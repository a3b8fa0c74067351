package cocoon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishedPortTest {

    @Test
    void aBareRuleBindsLoopbackOverTcp() {
        assertEquals(
                new PublishedPort("127.0.0.1", 8080, 80, PublishedPort.Protocol.TCP), PublishedPort.parse("8080:80"));
    }

    @Test
    void theHostAddressAndProtocolAreTakenAsGiven() {
        PublishedPort port = PublishedPort.parse("0.0.0.0:5353:53/UDP");

        assertEquals(new PublishedPort("0.0.0.0", 5353, 53, PublishedPort.Protocol.UDP), port);
        assertEquals("0.0.0.0:5353:53/udp", port.toString());
        assertEquals("0.0.0.0:5353/udp", port.hostSide());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "0:80",
                "70000:80",
                "8080:0",
                "abc",
                "abc:80",
                "8080:abc",
                "8080",
                "1:2:3:4",
                "8080:80/sctp",
                "::1:8080:80",
                "256.0.0.1:8080:80",
                "localhost:8080:80",
                "-1:80",
                "",
                "8080:80/"
            })
    void aMalformedRuleIsRefusedInOneLineSayingTheForm(String rule) {
        InvalidInputException refused = assertThrows(InvalidInputException.class, () -> PublishedPort.parse(rule));

        assertTrue(refused.getMessage().contains("--publish '" + rule + "'"), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
    }
}
