/// The platform profiles of `tessera_platform_token`. Each follows the
/// vendor's current documentation (cited beside it) and, for member order
/// and formatting, the vendor's own server SDK, which the tests use as an
/// oracle where it is published on PyPI.
extension JWTProfile {
    static let day: UInt32 = 86_400

    static func named(_ name: UnsafeRawBufferPointer) -> JWTProfile? {
        all.first { $0.name.utf8CodeUnitCount == name.count && name.elementsEqual(UnsafeRawBufferPointer(start: $0.name.utf8Start, count: $0.name.utf8CodeUnitCount)) }
    }

    static let all: [JWTProfile] = [livekit, twilio, vonage, zoom, jaas, stream, hms, daily]

    /// LiveKit access token. https://docs.livekit.io/home/get-started/authentication/
    /// and https://docs.livekit.io/frontends/reference/tokens-grants.md: HS256
    /// with the API secret; iss = API key, sub = identity, nbf, exp, name,
    /// metadata, kind, and the `video` grant (roomJoin, room, canPublish, …).
    /// Member order and defaults as livekit-api's AccessToken.to_jwt: the
    /// optional members, then sub, iss, nbf, exp; once `video` is present it
    /// carries canPublish, canSubscribe and canPublishData (true unless
    /// given). Default lifetime 6 h, as the SDK's.
    static let livekit = JWTProfile(
        name: "livekit", algorithms: [.hs256],
        params: [
            Param(name: "api_key", kind: .string, required: true),
            Param(name: "identity", kind: .string, required: true),
            Param(name: "name", kind: .string, required: false),
            Param(name: "kind", kind: .string, required: false),
            Param(name: "metadata", kind: .string, required: false),
            Param(name: "room", kind: .string, required: false, group: .video),
            Param(name: "roomCreate", kind: .boolean, required: false, group: .video),
            Param(name: "roomList", kind: .boolean, required: false, group: .video),
            Param(name: "roomRecord", kind: .boolean, required: false, group: .video),
            Param(name: "roomAdmin", kind: .boolean, required: false, group: .video),
            Param(name: "roomJoin", kind: .boolean, required: false, group: .video),
            Param(name: "destinationRoom", kind: .string, required: false, group: .video),
            Param(name: "canPublish", kind: .boolean, required: false, group: .video),
            Param(name: "canSubscribe", kind: .boolean, required: false, group: .video),
            Param(name: "canPublishData", kind: .boolean, required: false, group: .video),
            Param(name: "canPublishSources", kind: .list, required: false, group: .video),
            Param(name: "canUpdateOwnMetadata", kind: .boolean, required: false, group: .video),
            Param(name: "ingressAdmin", kind: .boolean, required: false, group: .video),
            Param(name: "hidden", kind: .boolean, required: false, group: .video),
            Param(name: "recorder", kind: .boolean, required: false, group: .video),
            Param(name: "agent", kind: .boolean, required: false, group: .video),
        ],
        defaultTTL: 6 * 3600, ttlRange: 1...UInt32.max, header: nil,
        claims: { v, t, w throws(TesseraError) in
            if v.boolean("roomJoin") == true && (v.string("room")?.isEmpty ?? true) {
                throw .argument("livekit: roomJoin needs a room")
            }
            w.string("name", from: v, "name")
            w.string("kind", from: v, "kind")
            w.string("metadata", from: v, "metadata")
            if v.has(.video) {
                w.open("video")
                w.boolean("roomCreate", from: v, "roomCreate")
                w.boolean("roomList", from: v, "roomList")
                w.boolean("roomRecord", from: v, "roomRecord")
                w.boolean("roomAdmin", from: v, "roomAdmin")
                w.boolean("roomJoin", from: v, "roomJoin")
                if let room = v.string("room"), !room.isEmpty { w.string("room", room) }
                w.string("destinationRoom", from: v, "destinationRoom")
                w.boolean("canPublish", v.boolean("canPublish") ?? true)
                w.boolean("canSubscribe", v.boolean("canSubscribe") ?? true)
                w.boolean("canPublishData", v.boolean("canPublishData") ?? true)
                w.list("canPublishSources", from: v, "canPublishSources")
                w.boolean("canUpdateOwnMetadata", from: v, "canUpdateOwnMetadata")
                w.boolean("ingressAdmin", from: v, "ingressAdmin")
                w.boolean("hidden", from: v, "hidden")
                w.boolean("recorder", from: v, "recorder")
                w.boolean("agent", from: v, "agent")
                w.close()
            }
            w.string("sub", from: v, "identity")
            w.string("iss", from: v, "api_key")
            w.integer("nbf", t.now)
            if let exp = t.exp { w.integer("exp", exp) }
        })

    /// Twilio access token (Programmable Video).
    /// https://www.twilio.com/docs/iam/access-tokens: HS256 with the API key
    /// secret, header cty "twilio-fpa;v=1"; jti "<API key SID>-<iat>", iss =
    /// API key SID, sub = account SID, grants {video {room}, identity},
    /// lifetime at most 24 hours (errors 20104/20157). Member order as the
    /// twilio package's AccessToken.to_jwt: jti, grants, iss, exp, nbf, sub.
    static let twilio = JWTProfile(
        name: "twilio", algorithms: [.hs256],
        params: [
            Param(name: "account_sid", kind: .string, required: true),
            Param(name: "api_key_sid", kind: .string, required: true),
            Param(name: "identity", kind: .string, required: true),
            Param(name: "room", kind: .string, required: false),
        ],
        defaultTTL: 3600, ttlRange: 1...day, header: "{\"cty\":\"twilio-fpa;v=1\"}",
        claims: { v, t, w throws(TesseraError) in
            let sid = v.string("api_key_sid") ?? JWTProfile.bytes("")
            w.string("jti", sid, dash: t.now)
            w.open("grants")
            w.open("video")
            w.string("room", from: v, "room")
            w.close()
            w.string("identity", from: v, "identity")
            w.close()
            w.string("iss", sid)
            if let exp = t.exp { w.integer("exp", exp) }
            w.integer("nbf", t.now)
            w.string("sub", from: v, "account_sid")
        })

    /// Vonage Video API client token.
    /// https://developer.vonage.com/en/video/guides/create-token and
    /// https://developer.vonage.com/en/getting-started/concepts/authentication:
    /// RS256 with the application's private key; application_id, iat, jti
    /// (a random UUID), exp, and the video claims scope "session.connect",
    /// session_id, role (publisher, subscriber, moderator, publisheronly),
    /// initial_layout_class_list, connection_data, sub "video" and acl
    /// {"paths":{"/session/**":{}}}. Member order as the Vonage Node SDK's
    /// generateClientToken. Tokens last up to 30 days (default 24 hours).
    static let vonage = JWTProfile(
        name: "vonage", algorithms: [.rs256],
        params: [
            Param(name: "application_id", kind: .string, required: true),
            Param(name: "session_id", kind: .string, required: true),
            Param(name: "role", kind: .string, required: false,
                  choices: ["publisher", "subscriber", "moderator", "publisheronly"]),
            Param(name: "initial_layout_class_list", kind: .string, required: false),
            Param(name: "connection_data", kind: .string, required: false, maxLength: 1000),
        ],
        defaultTTL: day, ttlRange: 1...(30 * day), header: nil,
        claims: { v, t, w throws(TesseraError) in
            w.string("scope", "session.connect")
            w.string("session_id", from: v, "session_id")
            w.string("role", v.string("role") ?? JWTProfile.bytes("publisher"))
            w.string("initial_layout_class_list", v.string("initial_layout_class_list") ?? JWTProfile.bytes(""))
            if let exp = t.exp { w.integer("exp", exp) }
            w.string("sub", "video")
            w.raw("acl", "{\"paths\":{\"/session/**\":{}}}")
            w.string("connection_data", from: v, "connection_data")
            try w.uuid("jti")
            w.integer("iat", t.now)
            w.string("application_id", from: v, "application_id")
        })

    /// Zoom Video SDK JWT. https://developers.zoom.us/docs/video-sdk/auth/:
    /// HS256 with the Video SDK secret; app_key, role_type (1 host, 0
    /// participant), tpc (the session name, at most 200 characters), version
    /// 1, iat, exp between iat + 1800 s and iat + 48 h, and the optional
    /// user_key, session_key, geo_regions, cloud recording and WebRTC options.
    /// Member order as the documentation's sample and Zoom's
    /// videosdk-auth-endpoint-sample.
    static let zoom = JWTProfile(
        name: "zoom", algorithms: [.hs256],
        params: [
            Param(name: "app_key", kind: .string, required: true),
            Param(name: "tpc", kind: .string, required: true, maxLength: 200),
            Param(name: "role_type", kind: .string, required: true, choices: ["0", "1"]),
            Param(name: "user_key", kind: .string, required: false, maxLength: 36),
            Param(name: "session_key", kind: .string, required: false, maxLength: 36),
            Param(name: "geo_regions", kind: .string, required: false),
            Param(name: "cloud_recording_option", kind: .integer, required: false),
            Param(name: "cloud_recording_election", kind: .integer, required: false),
            Param(name: "telemetry_tracking_id", kind: .string, required: false),
            Param(name: "video_webrtc_mode", kind: .integer, required: false),
            Param(name: "audio_webrtc_mode", kind: .integer, required: false),
            Param(name: "cloud_recording_transcript_option", kind: .integer, required: false),
        ],
        defaultTTL: 7200, ttlRange: 1800...(2 * day), header: nil,
        claims: { v, t, w throws(TesseraError) in
            w.string("app_key", from: v, "app_key")
            w.integer("role_type", v.equals("role_type", "1") ? 1 : 0)
            w.string("tpc", from: v, "tpc")
            w.integer("version", 1)
            w.integer("iat", t.now)
            if let exp = t.exp { w.integer("exp", exp) }
            w.string("user_key", from: v, "user_key")
            w.string("session_key", from: v, "session_key")
            w.string("geo_regions", from: v, "geo_regions")
            w.integer("cloud_recording_option", from: v, "cloud_recording_option")
            w.integer("cloud_recording_election", from: v, "cloud_recording_election")
            w.string("telemetry_tracking_id", from: v, "telemetry_tracking_id")
            w.integer("video_webrtc_mode", from: v, "video_webrtc_mode")
            w.integer("audio_webrtc_mode", from: v, "audio_webrtc_mode")
            w.integer("cloud_recording_transcript_option", from: v, "cloud_recording_transcript_option")
        })

    /// Jitsi as a Service (8x8). https://developer.8x8.com/jaas/docs/api-keys-jwt:
    /// RS256; header kid "vpaas-magic-cookie-<AppID hex>/<key id>" (the key's
    /// kid); aud "jitsi", iss "chat", sub = the AppID (the kid's part before
    /// '/', unless given), room ("*" for every room), exp, nbf, and context
    /// {user {id, name, avatar, email, moderator "true"/"false",
    /// hidden-from-recorder}, features {livestreaming, recording, …: "true" or
    /// "false"}, room {regex}}. Member order as the documentation's example.
    static let jaas = JWTProfile(
        name: "jaas", algorithms: [.rs256],
        params: [
            Param(name: "sub", kind: .string, required: false),
            Param(name: "room", kind: .string, required: false),
            Param(name: "user.id", kind: .string, required: false, group: .user),
            Param(name: "user.name", kind: .string, required: false, group: .user),
            Param(name: "user.avatar", kind: .string, required: false, group: .user),
            Param(name: "user.email", kind: .string, required: false, group: .user),
            Param(name: "user.moderator", kind: .boolean, required: false, group: .user),
            Param(name: "user.hidden-from-recorder", kind: .boolean, required: false, group: .user),
        ] + jaasFeatures.map { Param(name: $0.param, kind: .boolean, required: false, group: .features) } + [
            Param(name: "room.regex", kind: .boolean, required: false),
        ],
        defaultTTL: 7200, ttlRange: 1...UInt32.max, header: nil, needsKid: true,
        claims: { v, t, w throws(TesseraError) in
            let kid = t.key.kid ?? []
            let slash = kid.firstIndex(of: UInt8(ascii: "/"))
            guard (slash ?? 0) > 0 || v.has("sub") else {
                throw .argument("jaas: the key's kid is not \"<AppID>/<key id>\"; give sub=<AppID>")
            }
            w.string("aud", "jitsi")
            w.open("context")
            if v.has(.user) {
                w.open("user")
                w.string("id", from: v, "user.id")
                w.string("name", from: v, "user.name")
                w.string("avatar", from: v, "user.avatar")
                w.string("email", from: v, "user.email")
                if let m = v.boolean("user.moderator") { w.string("moderator", m ? "true" : "false") }
                w.boolean("hidden-from-recorder", from: v, "user.hidden-from-recorder")
                w.close()
            }
            if v.has(.features) {
                w.open("features")
                for f in jaasFeatures {
                    if let b = v.boolean(f.param) { w.string(f.claim, b ? "true" : "false") }
                }
                w.close()
            }
            if let regex = v.boolean("room.regex") {
                w.open("room")
                w.boolean("regex", regex)
                w.close()
            }
            w.close()
            if let exp = t.exp { w.integer("exp", exp) }
            w.string("iss", "chat")
            w.integer("nbf", t.now)
            w.string("room", v.string("room") ?? JWTProfile.bytes("*"))
            if let sub = v.string("sub") {
                w.string("sub", sub)
            } else {
                kid.withUnsafeBytes { k in w.string("sub", UnsafeRawBufferPointer(rebasing: k[0..<(slash ?? 0)])) }
            }
        })

    static let jaasFeatures: [(param: StaticString, claim: StaticString)] = [
        ("features.livestreaming", "livestreaming"), ("features.recording", "recording"),
        ("features.transcription", "transcription"), ("features.sip-inbound-call", "sip-inbound-call"),
        ("features.sip-outbound-call", "sip-outbound-call"), ("features.inbound-call", "inbound-call"),
        ("features.outbound-call", "outbound-call"), ("features.file-upload", "file-upload"),
        ("features.list-visitors", "list-visitors"), ("features.send-groupchat", "send-groupchat"),
        ("features.create-polls", "create-polls"),
    ]

    /// Stream (GetStream) user token.
    /// https://getstream.io/chat/docs/react/tokens_and_authentication/: HS256
    /// with the API secret; user_id, and exp and iat only when asked for:
    /// "By default, user tokens are valid indefinitely", so with ttl 0 and no
    /// iat the token is deterministic. Video call tokens add role and
    /// call_cids. Member order as stream-chat's create_token: the extra
    /// claims, user_id, exp, iat.
    static let stream = JWTProfile(
        name: "stream", algorithms: [.hs256],
        params: [
            Param(name: "user_id", kind: .string, required: true),
            Param(name: "role", kind: .string, required: false),
            Param(name: "call_cids", kind: .list, required: false),
            Param(name: "iat", kind: .boolean, required: false),
        ],
        defaultTTL: 0, ttlRange: 1...UInt32.max, header: nil,
        claims: { v, t, w throws(TesseraError) in
            w.string("role", from: v, "role")
            w.list("call_cids", from: v, "call_cids")
            w.string("user_id", from: v, "user_id")
            if let exp = t.exp { w.integer("exp", exp) }
            if v.boolean("iat") == true { w.integer("iat", t.now) }
        })

    /// 100ms auth and management tokens.
    /// https://www.100ms.live/docs/get-started/v2/get-started/security-and-tokens:
    /// HS256 with the app secret; access_key, room_id, user_id, role, type
    /// "app", version 2, iat, nbf, exp, jti (a random UUID); a management
    /// token has type "management" and no room, user or role. Member order as
    /// the documentation's Node sample. Default lifetime 24 hours.
    static let hms = JWTProfile(
        name: "100ms", algorithms: [.hs256],
        params: [
            Param(name: "access_key", kind: .string, required: true),
            Param(name: "type", kind: .string, required: false, choices: ["app", "management"]),
            Param(name: "room_id", kind: .string, required: false),
            Param(name: "user_id", kind: .string, required: false),
            Param(name: "role", kind: .string, required: false),
        ],
        defaultTTL: day, ttlRange: 1...UInt32.max, header: nil,
        claims: { v, t, w throws(TesseraError) in
            let management = v.equals("type", "management")
            if management {
                guard !v.has("room_id") && !v.has("user_id") && !v.has("role") else {
                    throw .argument("100ms: a management token has no room_id, user_id or role")
                }
            } else {
                guard v.has("room_id") && v.has("user_id") && v.has("role") else {
                    throw .argument("100ms: an app token needs room_id, user_id and role")
                }
            }
            w.string("access_key", from: v, "access_key")
            w.string("room_id", from: v, "room_id")
            w.string("user_id", from: v, "user_id")
            w.string("role", from: v, "role")
            w.string("type", management ? "management" : "app")
            w.integer("version", 2)
            w.integer("iat", t.now)
            w.integer("nbf", t.now)
            if let exp = t.exp { w.integer("exp", exp) }
            try w.uuid("jti")
        })

    /// Daily self-signed meeting token.
    /// https://docs.daily.co/docs/guides/privacy-and-security/self-signing-tokens:
    /// HS256 with the domain's API key; r (room), d (domain_id), iat required;
    /// exp ("always set an expiry"); and the abbreviated meeting-token
    /// properties: ud (user_id), u (user_name), o (is_owner), ss
    /// (enable_screenshare), er (enable_recording), vo (start_video_off), ao
    /// (start_audio_off), ejt (eject_at_token_exp), eje (eject_after_elapsed),
    /// uil (lang). Parameters take the REST property names. Default lifetime
    /// one hour.
    static let daily = JWTProfile(
        name: "daily", algorithms: [.hs256],
        params: [
            Param(name: "room", kind: .string, required: true),
            Param(name: "domain_id", kind: .string, required: true),
            Param(name: "user_id", kind: .string, required: false),
            Param(name: "user_name", kind: .string, required: false),
            Param(name: "is_owner", kind: .boolean, required: false),
            Param(name: "enable_screenshare", kind: .boolean, required: false),
            Param(name: "enable_recording", kind: .string, required: false),
            Param(name: "start_video_off", kind: .boolean, required: false),
            Param(name: "start_audio_off", kind: .boolean, required: false),
            Param(name: "eject_at_token_exp", kind: .boolean, required: false),
            Param(name: "eject_after_elapsed", kind: .integer, required: false),
            Param(name: "lang", kind: .string, required: false),
        ],
        defaultTTL: 3600, ttlRange: 1...UInt32.max, header: nil,
        claims: { v, t, w throws(TesseraError) in
            w.string("r", from: v, "room")
            w.string("d", from: v, "domain_id")
            w.integer("iat", t.now)
            if let exp = t.exp { w.integer("exp", exp) }
            w.string("ud", from: v, "user_id")
            w.string("u", from: v, "user_name")
            w.boolean("o", from: v, "is_owner")
            w.boolean("ss", from: v, "enable_screenshare")
            w.string("er", from: v, "enable_recording")
            w.boolean("vo", from: v, "start_video_off")
            w.boolean("ao", from: v, "start_audio_off")
            w.boolean("ejt", from: v, "eject_at_token_exp")
            w.integer("eje", from: v, "eject_after_elapsed")
            w.string("uil", from: v, "lang")
        })
}
