package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.api.ImageConfig;
import cocoon.plugin.oci.registry.ConfigBlob;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigBlobTest {

    private static ConfigBlob parse(String json) throws Exception {
        return ConfigBlob.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsWhatTheImageSaysToRun() throws Exception {
        ConfigBlob blob = parse("""
                {"architecture":"amd64","os":"linux","config":{
                  "Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],
                  "Env":["PATH=/usr/local/bin:/usr/bin","NGINX_VERSION=1.27"],
                  "WorkingDir":"/srv","User":"101:101","ExposedPorts":{"80/tcp":{}}}}
                """);
        assertEquals("amd64", blob.architecture());
        assertEquals(
                new ImageConfig(
                        List.of("/docker-entrypoint.sh"),
                        List.of("nginx", "-g", "daemon off;"),
                        List.of("PATH=/usr/local/bin:/usr/bin", "NGINX_VERSION=1.27"),
                        "/srv",
                        "101:101"),
                blob.run());
    }

    @Test
    void aConfigWithoutConfigRunsNothingOfItsOwn() throws Exception {
        ConfigBlob blob = parse("{\"architecture\":\"arm64\"}");
        assertEquals("arm64", blob.architecture());
        assertEquals(ImageConfig.none(), blob.run());
    }

    @Test
    void nullsEmptyStringsAndMalformedFieldsReadAsAbsent() throws Exception {
        ConfigBlob blob = parse("""
                {"config":{"Entrypoint":null,"Cmd":"not-a-list","Env":["NOVALUE","=x","A=1",7],
                  "WorkingDir":"","User":""}}
                """);
        assertEquals(null, blob.architecture());
        assertEquals(new ImageConfig(List.of(), List.of(), List.of("A=1"), null, null), blob.run());
    }
}
