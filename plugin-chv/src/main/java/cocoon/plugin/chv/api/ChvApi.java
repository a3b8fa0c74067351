package cocoon.plugin.chv.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The documented Cloud Hypervisor REST endpoints the driver uses, as typed calls. */
public final class ChvApi {

    private static final String PREFIX = "/api/v1/";
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final UnixHttpClient http;

    public ChvApi(Path socket, Duration timeout) {
        this.http = new UnixHttpClient(socket, timeout);
    }

    public VmmPing ping() throws IOException {
        return get("vmm.ping", VmmPing.class);
    }

    public VmInfo info() throws IOException {
        return get("vm.info", VmInfo.class);
    }

    /** ACPI power button: a guest that handles it shuts down and the VMM exits. */
    public void powerButton() throws IOException {
        put("vm.power-button");
    }

    /** Stops the guest; the VMM process stays up. */
    public void shutdownVm() throws IOException {
        put("vm.shutdown");
    }

    /** Ends the VMM process. */
    public void shutdownVmm() throws IOException {
        put("vmm.shutdown");
    }

    /** Stops the vCPUs; the state becomes {@code Paused}. A VM already paused is refused (an invalid transition). */
    public void pause() throws IOException {
        put("vm.pause");
    }

    /** Lets a paused VM run again, also one that a restore brought up paused. */
    public void resume() throws IOException {
        put("vm.resume");
    }

    /**
     * Writes a paused VM's {@code config.json}, {@code state.json} and {@code memory-ranges} into an existing folder
     * that holds none of them; a running VM is refused.
     */
    public void snapshot(SnapshotConfig destination) throws IOException {
        checked(
                "PUT",
                "vm.snapshot",
                http.send("PUT", PREFIX + "vm.snapshot", "application/json", JSON.writeValueAsBytes(destination)));
    }

    private <T> T get(String endpoint, Class<T> type) throws IOException {
        HttpResponse response = checked("GET", endpoint, http.send("GET", PREFIX + endpoint, null, new byte[0]));
        return JSON.readValue(response.body(), type);
    }

    private void put(String endpoint) throws IOException {
        checked("PUT", endpoint, http.send("PUT", PREFIX + endpoint, null, new byte[0]));
    }

    private static HttpResponse checked(String method, String endpoint, HttpResponse response)
            throws ApiStatusException {
        if (!response.successful()) {
            throw new ApiStatusException(method + " " + endpoint, response);
        }
        return response;
    }
}
