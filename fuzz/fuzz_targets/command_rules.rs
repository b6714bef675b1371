//! A hook's answer, through Okta's rules for applying it, against the tokens
//! of Okta's documented request: any bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_str::<token_hook::TokenHookRequest>(
        token_hook::request::OKTA_EXAMPLE_REQUEST,
    ) else {
        return;
    };
    if let Ok(answer) = serde_json::from_slice::<token_hook::TokenHookResponse>(data) {
        let _ = token_hook::process_response(&answer, &request.minted_tokens());
    }
});
