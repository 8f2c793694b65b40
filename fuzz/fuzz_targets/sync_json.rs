//! The sync protocol decoder past its zstd layer: the input is the JSON
//! body, compressed here the way a peer would, then `sync::decode`d as a
//! `PushRequest` and a `PullResponse` (changes, HLC timestamps, field
//! values). A body that decodes must encode and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use muster_protocol::sync::{decode, encode, PullResponse, PushRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = zstd::bulk::compress(data, 1) else { return };
    if let Ok(push) = decode::<PushRequest>(&body) {
        assert_eq!(decode::<PushRequest>(&encode(&push)).ok(), Some(push));
    }
    if let Ok(pull) = decode::<PullResponse>(&body) {
        assert_eq!(decode::<PullResponse>(&encode(&pull)).ok(), Some(pull));
    }
});
