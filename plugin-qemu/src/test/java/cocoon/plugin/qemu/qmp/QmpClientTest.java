package cocoon.plugin.qemu.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String POWERDOWN_EVENT =
            "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"POWERDOWN\"}";

    @TempDir
    Path dir;

    private Path socket() {
        return dir.resolve("qmp.sock");
    }

    /** Greeting and capabilities negotiation, as QEMU does them, before the test's own part. */
    private static void negotiate(FakeQmpServer.Session session) throws IOException {
        session.send(FakeQmpServer.GREETING);
        session.receive();
        session.send("{\"return\": {}}");
    }

    @Test
    void negotiatesCapabilitiesThenSkipsEventsUntilTheAnswerArrives() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
                    negotiate(session);
                    session.receive();
                    session.send(POWERDOWN_EVENT);
                    session.send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 3}, \"event\": \"RESUME\"}");
                    // One reply split across two writes, the way a busy socket may deliver it.
                    session.sendRaw("{\"return\": {\"status\": \"run");
                    Thread.sleep(50);
                    session.sendRaw("ning\", \"singlestep\": false, \"running\": true}}\r\n");
                    session.receive();
                });
                QmpClient client = QmpClient.connect(socket(), TIMEOUT)) {

            QmpCommand.StatusInfo status = client.execute(QmpCommand.QUERY_STATUS);

            assertEquals(new QmpCommand.StatusInfo("running", true), status);
            assertEquals(
                    List.of("{\"execute\":\"qmp_capabilities\"}", "{\"execute\":\"query-status\"}"),
                    server.received.subList(0, 2));
        }
    }

    @Test
    void aCommandWithArgumentsSendsThemAndReadsTheMigrationStatus() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
                    negotiate(session);
                    session.receive();
                    session.send("{\"return\": {}}");
                    session.receive();
                    session.send("{\"return\": {\"status\": \"failed\", \"error-desc\": \"disk full\"}}");
                    session.receive();
                });
                QmpClient client = QmpClient.connect(socket(), TIMEOUT)) {

            client.execute(QmpCommand.migrate("exec:cat > '/s/memory.state'"));
            QmpCommand.MigrationInfo info = client.execute(QmpCommand.QUERY_MIGRATE);

            assertEquals(new QmpCommand.MigrationInfo("failed", "disk full"), info);
            assertEquals(
                    "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > '/s/memory.state'\"}}",
                    server.received.get(1));
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void readsTheChardevListIgnoringFieldsItDoesNotUse() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
                    negotiate(session);
                    session.receive();
                    session.send(
                            "{\"return\": [{\"frontend-open\": true, \"filename\": \"pty:/dev/pts/7\", \"label\": \"con0\"}, "
                                    + "{\"frontend-open\": true, \"filename\": \"unix:/run/x/qmp.sock,server=on\", \"label\": \"compat_monitor0\"}]}");
                    session.receive();
                });
                QmpClient client = QmpClient.connect(socket(), TIMEOUT)) {

            List<QmpCommand.ChardevInfo> chardevs = client.execute(QmpCommand.QUERY_CHARDEV);

            assertEquals(new QmpCommand.ChardevInfo("con0", "pty:/dev/pts/7"), chardevs.get(0));
            assertEquals(2, chardevs.size());
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void anErrorReplyFailsTheCommandWithQemusDescription() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
                    negotiate(session);
                    session.receive();
                    session.send(POWERDOWN_EVENT);
                    session.send(
                            "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command quit has not been found\"}}");
                    session.receive();
                });
                QmpClient client = QmpClient.connect(socket(), TIMEOUT)) {

            QmpErrorException e = assertThrows(QmpErrorException.class, () -> client.execute(QmpCommand.QUIT));

            assertTrue(e.getMessage().contains("CommandNotFound: The command quit has not been found"), e.getMessage());
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void aPeerThatNeverGreetsTimesOutInsteadOfHanging() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> session.receive())) {
            long start = System.nanoTime();

            assertThrows(SocketTimeoutException.class, () -> QmpClient.connect(socket(), Duration.ofMillis(300)));

            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0);
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void somethingOtherThanQmpOnTheSocketIsRefused() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
            session.send("{\"hello\": \"world\"}");
            session.receive();
        })) {
            IOException e = assertThrows(IOException.class, () -> QmpClient.connect(socket(), TIMEOUT));

            assertTrue(e.getMessage().contains("not a QMP greeting"), e.getMessage());
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void qemuHangingUpBeforeAnsweringIsAnIoFailure() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
            session.send(FakeQmpServer.GREETING);
            session.receive();
        })) {
            assertThrows(EOFException.class, () -> QmpClient.connect(socket(), TIMEOUT));
        }
    }

    @Test
    void noSocketMeansQemuIsNotThereYet() {
        assertThrows(IOException.class, () -> QmpClient.connect(dir.resolve("absent.sock"), TIMEOUT));
    }

    @Test
    void greetsAnswersOnceTheGreetingArrivesWithoutNegotiating() throws Exception {
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> {
            Thread.sleep(50);
            session.send(FakeQmpServer.GREETING);
            session.listenUntilHangUp();
        })) {

            assertTrue(QmpClient.greets(socket(), TIMEOUT));

            assertTrue(server.awaitEnd(TIMEOUT), "greets hung up after the greeting");
            assertEquals(List.of(), server.received, "greets sent nothing, not even qmp_capabilities");
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void greetsIsFalseWithoutAServerOrForAnotherProtocol() throws Exception {
        assertFalse(QmpClient.greets(socket(), TIMEOUT));
        try (FakeQmpServer server = new FakeQmpServer(socket(), session -> session.send("{\"hello\": 1}"))) {
            assertFalse(QmpClient.greets(socket(), TIMEOUT));
        }
    }

    @Test
    @SuppressWarnings("try") // the server plays its script for the block; the body talks to it only through the socket
    void greetsGivesUpOnASilentServerAtTheTimeout() throws Exception {
        // The server stays silent until the client hangs up, so only the client's own timeout ends the wait.
        try (FakeQmpServer server = new FakeQmpServer(socket(), FakeQmpServer.Session::listenUntilHangUp)) {
            long start = System.nanoTime();

            boolean greeted = assertTimeoutPreemptively(
                    Duration.ofSeconds(3), () -> QmpClient.greets(socket(), Duration.ofMillis(200)));

            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertFalse(greeted);
            assertTrue(waited.compareTo(Duration.ofMillis(200)) >= 0, "gave up before its timeout: " + waited);
            assertTrue(server.awaitEnd(TIMEOUT), "greets hung up once it gave up");
        }
    }
}
