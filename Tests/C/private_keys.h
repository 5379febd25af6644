/* Private test keys shared by the C tests that need their exact members
 * (test_wipe searches freed memory for them; test_nomem loads them under
 * failing allocations). The EC and Ed25519 keys were made for these tests
 * with pyca/cryptography; the RSA key is RFC 7515 Appendix A.2's. */
#ifndef TESSERA_TEST_KEYS_H
#define TESSERA_TEST_KEYS_H

/* RFC 7515 Appendix A.2's RSA key (Tests/Vectors/rfc7515_appendixA_jws.json, "A.2 RS256"). */
static const char RSA_JWK[] =
    "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp"
    "-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0"
    "LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9k"
    "G4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQA"
    "B\",\"d\":\"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol"
    "2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51"
    "gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDV"
    "ZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ\",\"p\":\"4BzEEOtIpmVdVEZNCqS7baC4crd"
    "0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yL"
    "c1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc\",\"q\":\"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4px"
    "htCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5"
    "dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc\",\"dp\":\"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71"
    "I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZt"
    "u5Mbr1C1XsmvkxHQAdYo0\",\"dq\":\"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwb"
    "KgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqv"
    "d0tIiTHU\",\"qi\":\"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_"
    "QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U\"}";

static const char EC_JWK[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"d8F2Nt8M7QOJbaEDpyWhkycRMLx7O2mf5eOcPczYIZQ\",\"y\":\"6i-8Jeb9IzqUvy6PWNzDNv6ARoMT-6hjgKdelIlOv9A\",\"d\":\"-QIpj8kv9azEA-f9OjNve6xhEWu2AmJyFLesmycGxaQ\",\"alg\":\"ES256\"}";
static const char EC_PEM[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIPkCKY/JL/WsxAPn/Tozb3usYRFrtgJichS3rJsnBsWkoAoGCCqGSM49\n"
    "AwEHoUQDQgAEd8F2Nt8M7QOJbaEDpyWhkycRMLx7O2mf5eOcPczYIZTqL7wl5v0j\n"
    "OpS/Lo9Y3MM2/oBGgxP7qGOAp16UiU6/0A==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char ED_JWK[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"imx4I4HJ7eaomoI9D-F3Txo14xIAAb-9V9W2wKL6tBI\",\"d\":\"N5nhPvtrHLvnxg9Xki1YV5sSWWsdxH5qX8PQ5ivbLQU\",\"alg\":\"EdDSA\"}";
static const char ED_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIDeZ4T77axy758YPV5ItWFebEllrHcR+al/D0OYr2y0F\n"
    "-----END PRIVATE KEY-----\n";

#endif
