package dev.delta.protocol.auth;

import dev.delta.protocol.wire.Bytes32;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-made HMAC-SHA256 of the proofs must be byte for byte the standard one. */
class HmacProofTest {
    @Test
    void proof_isHmacSha256OfTheDocumentedMessage_forShortAndLongSecrets() throws Exception {
        Random r = new Random(7);
        for (int len : new int[]{1, 16, 32, 63, 64, 65, 100, 200}) {
            byte[] secret = new byte[len];
            r.nextBytes(secret);
            Bytes32 cn = HmacProof.nonce();
            Bytes32 sn = HmacProof.nonce();
            String keyId = "edge-" + len + "-é";
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(HmacProof.SERVER_LABEL.getBytes(StandardCharsets.US_ASCII));
            mac.update(ByteBuffer.allocate(2).putShort(0, (short) 1));
            mac.update(cn.toArray());
            mac.update(sn.toArray());
            mac.update(keyId.getBytes(StandardCharsets.UTF_8));
            assertEquals(Bytes32.of(mac.doFinal()), HmacProof.compute(secret, HmacProof.SERVER_LABEL, 1, cn, sn, keyId),
                    "secret of " + len + " bytes");
        }
    }
}
