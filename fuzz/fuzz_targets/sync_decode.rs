//! The sync protocol decoder on arbitrary bytes as they arrive over HTTP:
//! `sync::decode` (zstd, the MAX_BODY guard, then JSON) into the bodies a
//! server and a client read. Must return a value or a `DecodeError`, never
//! panic or allocate without bound. Random bytes rarely get past zstd; the
//! `sync_json` target compresses its input first to reach the JSON layer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use muster_protocol::sync::{decode, PullRequest, PullResponse, PushRequest, PushResponse};

fuzz_target!(|data: &[u8]| {
    let _ = decode::<PushRequest>(data);
    let _ = decode::<PullResponse>(data);
    let _ = decode::<PullRequest>(data);
    let _ = decode::<PushResponse>(data);
});
